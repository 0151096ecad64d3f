"""Every size limit the site enforces, in one place: forms, URLs, the database columns and checks read them."""

# A message's key: its URL segment and its column.
KEY_MAX_LENGTH = 64
# A message's text, in characters, after trimming.
TEXT_MAX_LENGTH = 10_000
# A search (?q=): longer ones are refused before they reach the database.
SEARCH_MAX_LENGTH = 200
# A search lists at most this many matches, the most recently added; past it, the page says so.
SEARCH_RESULTS_MAX = 200
# What one search may read, newest message first, before it stops and the page says where. SQLite's
# trigram index checks this many of the messages it finds for a search of 3 to 14 characters, from
# the index alone; PostgreSQL's trigram indexes let messages through that it must read again, so it
# reads this many at most...
SEARCH_CANDIDATES_MAX = 1_000
# ...holding at most this many bytes of text as stored (compressed);
SEARCH_BYTES_MAX = 512 * 1024
# and SQLite reads the texts of this many for a search of one or two characters, which no index
# serves, or of the candidates of one longer than its index checks from its positions alone.
SEARCH_TEXTS_MAX = 300

# A history page lists this many revisions of a message, newest first.
REVISIONS_PER_PAGE = 50
# The trash lists this many deleted messages a page, the latest deleted first.
TRASH_PER_PAGE = 50
# The most changes a diff marks word by word; texts that differ in more are shown as their shared
# start and end around one deletion and one insertion (the semantic cleanup of many small changes
# costs more than in proportion to their number).
DIFF_CHANGES_MAX = 1_000

EDITOR_NAME_MAX_LENGTH = 64
PASSWORD_MIN_LENGTH = 12
# scrypt reads the whole password; a cap keeps one login from costing seconds of CPU.
PASSWORD_MAX_LENGTH = 1024
# A client's address as the login throttle stores it (an IPv6 address with a zone fits).
ADDRESS_MAX_LENGTH = 64

# The largest whole number the databases store (64 bits, signed, as SQLite's INTEGER): ids,
# versions, and so the largest page number worth reading.
INTEGER_MAX = 2**63 - 1
