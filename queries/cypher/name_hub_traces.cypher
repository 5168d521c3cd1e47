// The traces that may tie a name hub's companies to one person: each enterprise's address
// (declared cluster addresses, 集中办公区, excluded: sharing one is legal), phones, e-mails,
// registering authority and founding date, and the phones and e-mails of the name-only
// people heading them. One row per (enterprise, kind, trace).
// params: uids LIST<STRING>, people LIST<STRING>
UNWIND $uids AS u
MATCH (e:Enterprise {uid: u})-[:HAS_ADDRESS]->(a:Address)
WHERE coalesce(a.cluster, false) = false
RETURN e.uid AS enterprise, 'address' AS kind, a.uid AS trace
UNION ALL
UNWIND $uids AS u
MATCH (e:Enterprise {uid: u})-[:HAS_PHONE]->(c:Phone)
RETURN e.uid AS enterprise, 'phone' AS kind, c.uid AS trace
UNION ALL
UNWIND $uids AS u
MATCH (e:Enterprise {uid: u})-[:HAS_EMAIL]->(c:Email)
RETURN e.uid AS enterprise, 'email' AS kind, c.uid AS trace
UNION ALL
UNWIND $uids AS u
MATCH (e:Enterprise {uid: u})
WHERE e.authority IS NOT NULL
RETURN e.uid AS enterprise, 'authority' AS kind, e.authority AS trace
UNION ALL
UNWIND $people AS u
MATCH (p:Person {uid: u})-[:LEGAL_REP]->(e:Enterprise), (p)-[:HAS_PHONE]->(c:Phone)
RETURN e.uid AS enterprise, 'phone' AS kind, c.uid AS trace
UNION ALL
UNWIND $people AS u
MATCH (p:Person {uid: u})-[:LEGAL_REP]->(e:Enterprise), (p)-[:HAS_EMAIL]->(c:Email)
RETURN e.uid AS enterprise, 'email' AS kind, c.uid AS trace
UNION ALL
UNWIND $people AS u
MATCH (p:Person {uid: u})-[:LEGAL_REP]->(e:Enterprise)
WHERE p.phone IS NOT NULL
RETURN e.uid AS enterprise, 'phone' AS kind, p.phone AS trace
