// The address, phones and e-mails of one enterprise (the first hop of its related parties through a
// shared contact, queries.profile_related; the second hop reads each node's sharers by key).
// LadybugDB 0.22 mixes up (or crashes on) a UNION ALL branch that returns one expression under two
// names, hence `x + ''` below.
// params: uid STRING
MATCH (e:Enterprise {uid: $uid})-[:HAS_ADDRESS]->(a:Address)
RETURN 'Address' AS via_label, a.uid AS key, a.uid + '' AS via_uid, a.text AS via_name,
       coalesce(a.cluster, false) AS via_cluster
UNION ALL
MATCH (e:Enterprise {uid: $uid})-[:HAS_PHONE]->(t:Phone)
RETURN 'Phone' AS via_label, t.uid AS key, t.masked AS via_uid, t.masked + '' AS via_name, false AS via_cluster
UNION ALL
MATCH (e:Enterprise {uid: $uid})-[:HAS_EMAIL]->(t:Email)
RETURN 'Email' AS via_label, t.uid AS key, t.masked AS via_uid, t.masked + '' AS via_name, false AS via_cluster
