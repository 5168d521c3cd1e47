// The enterprises some people are (or were) legal representative of, with founding date and
// the role's period (phoenix side B; shell hubs and name hubs of resolved identities: filter
// the period with queries._base.valid_on). The person is matched first and the role in an OPTIONAL
// MATCH: LadybugDB 0.22 plans a one-pattern match from unwound keys as a scan of the whole LEGAL_REP
// table (at 1M enterprises, 10K people: 0.76 s and ~420 MB of its buffer pool; anchored: 0.13 s, ~100 MB).
// params: uids LIST<STRING>
UNWIND $uids AS u
MATCH (p:Person {uid: u})
OPTIONAL MATCH (p)-[r:LEGAL_REP]->(e:Enterprise)
WITH p, r, e WHERE e IS NOT NULL
RETURN p.uid AS person, e.uid AS enterprise, e.founded AS founded, r.valid_from AS valid_from,
       r.valid_to AS valid_to
