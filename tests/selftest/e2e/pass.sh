# fixture: an e2e script that passes
"$WW" x > /dev/null
