// POSSIBLY_SAME_AS links scoring at least $min_score that touch the given people (either
// end), with their evidence text (personal data already masked by the ETL).
// params: uids LIST<STRING>, min_score DOUBLE
UNWIND $uids AS u
MATCH (a:Person {uid: u})-[r:POSSIBLY_SAME_AS]-(b:Person)
WHERE r.score >= $min_score
RETURN a.uid AS uid, b.uid AS other, r.score AS score, r.evidence AS evidence
