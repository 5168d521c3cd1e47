// Parties related to a person: the people who share an enterprise with them (as legal
// representative or shareholder), records that are possibly the same person (scored), and
// parties sharing a phone or an e-mail (phone and e-mail shown masked only).
// LadybugDB 0.22 crashes on a UNION ALL branch that returns one expression (or a bare null)
// under two names, hence `x + ''` and CAST(NULL AS DOUBLE) below.
// Roles and holdings count only when valid on $as_of: [valid_from, valid_to), a null
// bound open (docs/time.md).
// params: uid STRING, limit INT64, as_of DATE
MATCH (p:Person {uid: $uid})-[r1:LEGAL_REP|HOLDS_SHARES]->(e:Enterprise)<-[r2:LEGAL_REP|HOLDS_SHARES]-(o:Person)
WHERE o.uid <> $uid
  AND NOT ((r1.valid_to IS NOT NULL AND r1.valid_to <= $as_of) OR (r1.valid_from IS NOT NULL AND r1.valid_from > $as_of))
  AND NOT ((r2.valid_to IS NOT NULL AND r2.valid_to <= $as_of) OR (r2.valid_from IS NOT NULL AND r2.valid_from > $as_of))
RETURN o.uid AS uid, 'Person' AS label, o.name AS name, o.id_masked AS status, o.region AS region,
       'Enterprise' AS via_label, e.uid AS via_uid, e.name AS via_name, label(r1) AS via_rel, label(r2) AS rel,
       CAST(NULL AS DOUBLE) AS score
LIMIT $limit
UNION ALL
MATCH (p:Person {uid: $uid})-[s:POSSIBLY_SAME_AS]-(o:Person)
RETURN o.uid AS uid, 'Person' AS label, o.name AS name, o.id_masked AS status, o.region AS region,
       'Person' AS via_label, p.uid AS via_uid, s.evidence AS via_name, 'POSSIBLY_SAME_AS' AS via_rel,
       'POSSIBLY_SAME_AS' AS rel, s.score AS score
LIMIT $limit
UNION ALL
MATCH (p:Person {uid: $uid})-[:HAS_PHONE]->(t:Phone)<-[:HAS_PHONE]-(o)
WHERE o.uid <> $uid
RETURN o.uid AS uid, label(o) AS label, o.name AS name, o.status AS status, o.region AS region,
       'Phone' AS via_label, t.masked AS via_uid, t.masked + '' AS via_name, 'HAS_PHONE' AS via_rel,
       'HAS_PHONE' AS rel, CAST(NULL AS DOUBLE) AS score
LIMIT $limit
UNION ALL
MATCH (p:Person {uid: $uid})-[:HAS_EMAIL]->(t:Email)<-[:HAS_EMAIL]-(o)
WHERE o.uid <> $uid
RETURN o.uid AS uid, label(o) AS label, o.name AS name, o.status AS status, o.region AS region,
       'Email' AS via_label, t.masked AS via_uid, t.masked + '' AS via_name, 'HAS_EMAIL' AS via_rel,
       'HAS_EMAIL' AS rel, CAST(NULL AS DOUBLE) AS score
LIMIT $limit
