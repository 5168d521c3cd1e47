// Parties related to an enterprise, each with what connects them: enterprises sharing a legal
// representative or shareholder, co-subsidiaries of a corporate shareholder, and parties
// sharing the registered address, a phone or an e-mail (phone and e-mail shown masked only).
// LadybugDB 0.22 crashes on a UNION ALL branch that returns one expression (or a bare null)
// under two names, hence `x + ''` and CAST(NULL AS DOUBLE) below.
// Roles and holdings count only when valid on $as_of: [valid_from, valid_to), a null
// bound open (docs/time.md).
// params: uid STRING, limit INT64, as_of DATE
MATCH (e:Enterprise {uid: $uid})<-[r1:LEGAL_REP|HOLDS_SHARES]-(p:Person)-[r2:LEGAL_REP|HOLDS_SHARES]->(o:Enterprise)
WHERE o.uid <> $uid
  AND NOT ((r1.valid_to IS NOT NULL AND r1.valid_to <= $as_of) OR (r1.valid_from IS NOT NULL AND r1.valid_from > $as_of))
  AND NOT ((r2.valid_to IS NOT NULL AND r2.valid_to <= $as_of) OR (r2.valid_from IS NOT NULL AND r2.valid_from > $as_of))
RETURN o.uid AS uid, 'Enterprise' AS label, o.name AS name, o.status AS status, o.region AS region,
       'Person' AS via_label, p.uid AS via_uid, p.name AS via_name, label(r1) AS via_rel, label(r2) AS rel,
       false AS via_cluster
LIMIT $limit
UNION ALL
MATCH (e:Enterprise {uid: $uid})<-[r1:HOLDS_SHARES]-(h:Enterprise)-[r2:HOLDS_SHARES]->(o:Enterprise)
WHERE o.uid <> $uid
  AND NOT ((r1.valid_to IS NOT NULL AND r1.valid_to <= $as_of) OR (r1.valid_from IS NOT NULL AND r1.valid_from > $as_of))
  AND NOT ((r2.valid_to IS NOT NULL AND r2.valid_to <= $as_of) OR (r2.valid_from IS NOT NULL AND r2.valid_from > $as_of))
RETURN o.uid AS uid, 'Enterprise' AS label, o.name AS name, o.status AS status, o.region AS region,
       'Enterprise' AS via_label, h.uid AS via_uid, h.name AS via_name, 'HOLDS_SHARES' AS via_rel,
       'HOLDS_SHARES' AS rel, false AS via_cluster
LIMIT $limit
UNION ALL
MATCH (e:Enterprise {uid: $uid})-[:HAS_ADDRESS]->(a:Address)<-[:HAS_ADDRESS]-(o:Enterprise)
WHERE o.uid <> $uid
RETURN o.uid AS uid, 'Enterprise' AS label, o.name AS name, o.status AS status, o.region AS region,
       'Address' AS via_label, a.uid AS via_uid, a.text AS via_name, 'HAS_ADDRESS' AS via_rel,
       'HAS_ADDRESS' AS rel, coalesce(a.cluster, false) AS via_cluster
LIMIT $limit
UNION ALL
MATCH (e:Enterprise {uid: $uid})-[:HAS_PHONE]->(t:Phone)<-[:HAS_PHONE]-(o)
WHERE o.uid <> $uid
RETURN o.uid AS uid, label(o) AS label, o.name AS name, o.status AS status, o.region AS region,
       'Phone' AS via_label, t.masked AS via_uid, t.masked + '' AS via_name, 'HAS_PHONE' AS via_rel,
       'HAS_PHONE' AS rel, false AS via_cluster
LIMIT $limit
UNION ALL
MATCH (e:Enterprise {uid: $uid})-[:HAS_EMAIL]->(t:Email)<-[:HAS_EMAIL]-(o)
WHERE o.uid <> $uid
RETURN o.uid AS uid, label(o) AS label, o.name AS name, o.status AS status, o.region AS region,
       'Email' AS via_label, t.masked AS via_uid, t.masked + '' AS via_name, 'HAS_EMAIL' AS via_rel,
       'HAS_EMAIL' AS rel, false AS via_cluster
LIMIT $limit
