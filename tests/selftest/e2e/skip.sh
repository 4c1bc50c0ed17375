# fixture: an e2e script that cannot run here
echo "fixture: no such tool here"
exit 77
