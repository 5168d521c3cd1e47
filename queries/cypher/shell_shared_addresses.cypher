// Addresses that are not declared cluster addresses (集中办公区) and host at least
// $min_shared enterprises, with those enterprises.
// params: min_shared INT64
MATCH (a:Address)<-[:HAS_ADDRESS]-(e:Enterprise)
WHERE coalesce(a.cluster, false) = false
WITH a, count(e) AS n
WHERE n >= $min_shared
MATCH (a)<-[:HAS_ADDRESS]-(f:Enterprise)
RETURN a.uid AS address, f.uid AS enterprise
