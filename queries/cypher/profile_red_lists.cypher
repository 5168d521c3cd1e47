// Every red-list entry (红名单, 守信激励) of a party (enterprise or person), current or removed.
// params: uid STRING
MATCH (s:Enterprise {uid: $uid})-[:HONORED]->(r:RedListEntry)
RETURN r.uid AS uid, r.kind AS kind, r.list_name AS list_name, r.entered AS entered, r.removed AS removed,
       r.status AS status, r.authority AS authority, r.region AS region
UNION ALL
MATCH (s:Person {uid: $uid})-[:HONORED]->(r:RedListEntry)
RETURN r.uid AS uid, r.kind AS kind, r.list_name AS list_name, r.entered AS entered, r.removed AS removed,
       r.status AS status, r.authority AS authority, r.region AS region
