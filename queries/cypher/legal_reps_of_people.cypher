// The enterprises some people are legal representative of, with founding date and city
// (phoenix side B; shell hubs and name hubs of resolved identities).
// params: uids LIST<STRING>
UNWIND $uids AS u
MATCH (p:Person {uid: u})-[:LEGAL_REP]->(e:Enterprise)
RETURN p.uid AS person, e.uid AS enterprise, e.founded AS founded
