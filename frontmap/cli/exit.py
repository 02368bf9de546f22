"""Exit codes of the ``frontmap`` command, named in one place (as black and httpie do)."""

EXIT_OK = 0
EXIT_DATA = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130
EXIT_CODES = {
    EXIT_OK: "success",
    EXIT_DATA: "the data is wrong: bad input, failed validation, stale outputs under --check",
    EXIT_USAGE: "the command line is wrong (unknown option, missing argument, unknown date)",
    EXIT_INTERNAL: "internal error: a bug in frontmap (run with FRONTMAP_DEBUG=1 and report it)",
}
