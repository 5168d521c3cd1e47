// One natural person's own facts (the ID number only masked; the phone is not returned).
// params: uid STRING
MATCH (p:Person {uid: $uid})
RETURN p.uid AS uid, p.name AS name, p.id_masked AS id_masked, p.id_prefix AS id_prefix,
       p.birth_year AS birth_year, p.region AS region, p.scope AS scope, p.source AS source,
       p.updated_at AS updated_at
