"""The portal's message catalogues: one module per language, the same keys in each.

Keys are dotted `area.item` (`login.submit`, `footer.hours`, `status.ACTIVE`); a text may
name parameters in braces (`{mobile}`), filled by `api.portal.i18n.translate`.
"""
