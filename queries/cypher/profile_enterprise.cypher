// One enterprise's own facts and the name of the division it is registered in.
// params: uid STRING
MATCH (e:Enterprise {uid: $uid})
OPTIONAL MATCH (e)-[:REGISTERED_IN]->(r:Region)
RETURN e.uid AS uid, e.uscc AS uscc, e.reg_no AS reg_no, e.subject_id AS subject_id, e.name AS name,
       e.kind AS kind, e.status AS status, e.founded AS founded, e.dissolved AS dissolved,
       e.capital AS capital, e.currency AS currency, e.capital_raw AS capital_raw, e.industry AS industry,
       e.address AS address, e.region AS region, e.province AS province, e.city AS city,
       e.legal_rep_name AS legal_rep_name, e.authority AS authority, e.resolved AS resolved,
       e.source AS source, e.updated_at AS updated_at, r.name AS region_name
