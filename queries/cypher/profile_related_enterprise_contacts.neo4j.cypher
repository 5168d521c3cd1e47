// The parties sharing an address, phone or e-mail with one enterprise: the branches of
// profile_related_enterprise that LadybugDB answers from the keyed node (the branches through roles and
// holdings are read by keyed reads in queries.profile).
// params: uid STRING, limit INT64
MATCH (e:Enterprise {uid: $uid})-[:HAS_ADDRESS]->(a:Address)<-[:HAS_ADDRESS]-(o:Enterprise)
WHERE o.uid <> $uid
RETURN o.uid AS uid, 'Enterprise' AS label, o.name AS name, o.status AS status, o.region AS region,
       'Address' AS via_label, a.uid AS via_uid, a.text AS via_name, 'HAS_ADDRESS' AS via_rel,
       'HAS_ADDRESS' AS rel, coalesce(a.cluster, false) AS via_cluster
LIMIT $limit
UNION ALL
MATCH (e:Enterprise {uid: $uid})-[:HAS_PHONE]->(t:Phone)<-[:HAS_PHONE]-(o)
WHERE o.uid <> $uid
RETURN o.uid AS uid, labels(o)[0] AS label, o.name AS name, o.status AS status, o.region AS region,
       'Phone' AS via_label, t.masked AS via_uid, t.masked AS via_name, 'HAS_PHONE' AS via_rel,
       'HAS_PHONE' AS rel, false AS via_cluster
LIMIT $limit
UNION ALL
MATCH (e:Enterprise {uid: $uid})-[:HAS_EMAIL]->(t:Email)<-[:HAS_EMAIL]-(o)
WHERE o.uid <> $uid
RETURN o.uid AS uid, labels(o)[0] AS label, o.name AS name, o.status AS status, o.region AS region,
       'Email' AS via_label, t.masked AS via_uid, t.masked AS via_name, 'HAS_EMAIL' AS via_rel,
       'HAS_EMAIL' AS rel, false AS via_cluster
LIMIT $limit
