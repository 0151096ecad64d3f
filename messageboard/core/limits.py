"""Every size limit the site enforces, in one place: forms, URLs, the database columns and checks read them."""

# A message's key: its URL segment and its column.
KEY_MAX_LENGTH = 64
# A message's text, in characters, after trimming.
TEXT_MAX_LENGTH = 10_000
# A search (?q=): longer ones are refused before they reach the database.
SEARCH_MAX_LENGTH = 200

EDITOR_NAME_MAX_LENGTH = 64
PASSWORD_MIN_LENGTH = 12
# scrypt reads the whole password; a cap keeps one login from costing seconds of CPU.
PASSWORD_MAX_LENGTH = 1024
# A client's address as the login throttle stores it (an IPv6 address with a zone fits).
ADDRESS_MAX_LENGTH = 64

# The largest whole number the databases store (64 bits, signed, as SQLite's INTEGER): ids,
# versions, and so the largest page number worth reading.
INTEGER_MAX = 2**63 - 1
