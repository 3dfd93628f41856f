"""A generated corpus built the way archives were built: varied gold values rendered into the
official national tables as government sites publish them (HTML), then converted by the real
tools that produced the archives' text, PDFs and Word files.  Each converter is a *family*.

    values      -> a `Report`: template, agency, year, every field's printed value, notes
    render      -> the report as an HTML page in one of several site styles
    converters  -> each family turns the page into what that tool saves
    families    -> the registry, and the families held out of all tuning for good
    generate    -> materialize DIR/<family>/<id>.<ext> + truth JSON, cached
"""
