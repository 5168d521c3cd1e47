// POSSIBLY_SAME_AS links scoring at least $min_score that touch one person (either end), with their
// evidence text. One key as a plain parameter: LadybugDB answers it from the key index (~1 ms at
// 1M enterprises), where a list of keys costs a scan (~0.3 s) however short the list.
// params: uid STRING, min_score DOUBLE
MATCH (a:Person {uid: $uid})-[r:POSSIBLY_SAME_AS]-(b:Person)
WHERE r.score >= $min_score
RETURN a.uid AS uid, b.uid AS other, r.score AS score, r.evidence AS evidence
