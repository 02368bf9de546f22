"""Exit codes of the ``frontmap`` command, named in one place (as black and httpie do)."""

EXIT_OK = 0
EXIT_DATA = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
#: killed by Ctrl-C, and the reader of stdout gone (``| head``): 128 + the signal, as a shell has it
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141
EXIT_CODES = {
    EXIT_OK: "success",
    EXIT_DATA: "the data is wrong (bad input, failed validation, stale outputs under --check), "
    "or an output cannot be written (disk full, read-only folder, a folder that does not exist), "
    "another build holds the output folder (--no-wait), or the Dask cluster failed",
    EXIT_USAGE: "the command line is wrong (unknown option, missing argument, unknown date)",
    EXIT_INTERNAL: "internal error: a bug in frontmap (run with FRONTMAP_DEBUG=1 and report it)",
}
