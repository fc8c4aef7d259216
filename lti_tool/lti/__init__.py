"""The only package that imports pylti1p3 (checked by import-linter).

Everything LTI-protocol lives here: the DB-backed ToolConf and launch data storage, the launch
validation that closes pylti1p3 2.0.0's gaps, claims parsing, keys, Dynamic Registration, the
Canvas JSON configuration, and (later) the AGS/NRPS clients.
"""
