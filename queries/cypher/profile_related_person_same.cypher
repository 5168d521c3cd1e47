// The people possibly the same as one person (identity links, etl.identity), with the link's evidence
// and score: a branch of profile_related_person (queries.profile_related).
// params: uid STRING, limit INT64
MATCH (p:Person {uid: $uid})-[s:POSSIBLY_SAME_AS]-(o:Person)
RETURN o.uid AS uid, 'Person' AS label, o.name AS name, o.id_masked AS status, o.region AS region,
       'Person' AS via_label, p.uid AS via_uid, s.evidence AS via_name, 'POSSIBLY_SAME_AS' AS via_rel,
       'POSSIBLY_SAME_AS' AS rel, s.score AS score
LIMIT $limit
