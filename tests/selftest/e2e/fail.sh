# fixture: an e2e script that fails; the runner must not lose its status
# behind a later command
false
