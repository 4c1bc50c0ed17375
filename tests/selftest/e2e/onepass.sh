# fixture: a heavy script marked for one build; it fails, so a run that
# reports it must have run it
# one-pass: sel (tests/run.sh)
exit 3
