"""`python -m virtlint`: the same entry point as the `virtlint` command."""

if __name__ == "__main__":
    import gc

    # no garbage collection while start-up builds what lives to the end (see runner.pause_collection): `check`
    # collects again from its first file on, `lsp` at once
    collecting = gc.isenabled()
    gc.disable()
    from virtlint.linter.runner import pause_collection

    pause_collection(collecting)
    from virtlint.linter.cli import main

    main()
