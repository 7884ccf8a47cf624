"""Valid SPARQL 1.1 queries covering the grammar, for checking the query page's syntax checker.

The common prefixes (ikg:, rdfs:, …) are left undeclared on purpose: the endpoint predeclares
them, so the editor must accept them too.
"""

from __future__ import annotations

VALID_QUERIES: dict[str, str] = {
    "group_by_having": """SELECT ?country (COUNT(DISTINCT ?project) AS ?projects) WHERE {
  ?project a ikg:Project ; ikg:operatesIn/ikg:locatedIn* ?country .
  ?country a ikg:Country .
} GROUP BY ?country HAVING (COUNT(DISTINCT ?project) > 1) ORDER BY DESC(?projects)""",
    "aggregates": """SELECT (SAMPLE(?l) AS ?label) (GROUP_CONCAT(DISTINCT ?n; SEPARATOR=", ") AS ?names)
       (MIN(?d) AS ?first) (MAX(?d) AS ?last) (AVG(?x) AS ?mean) (SUM(?x) AS ?total) WHERE {
  ?e rdfs:label ?l ; ikg:date ?d . OPTIONAL { ?e skos:altLabel ?n } BIND(1 AS ?x)
} GROUP BY ?e""",
    "subquery": """SELECT ?project ?label ?n WHERE {
  { SELECT ?project (COUNT(?partner) AS ?n) WHERE { ?project ikg:hasPartner ?partner }
    GROUP BY ?project }
  ?project rdfs:label ?label .
} ORDER BY DESC(?n) LIMIT 10 OFFSET 0""",
    "property_paths": """SELECT ?a ?b WHERE {
  ?a (ikg:locatedIn|^ikg:locatedIn)+ ?b .
  ?a ikg:hasPartner/ikg:locatedIn* ?c .
  ?b !rdf:type ?x . ?a ikg:partnerIn? ?y .
}""",
    "values_bind": """SELECT ?p ?label ?upper WHERE {
  VALUES ?kind { ikg:Project ikg:Organisation }
  ?p a ?kind ; rdfs:label ?label .
  BIND(UCASE(STR(?label)) AS ?upper)
  BIND(IF(STRLEN(?label) > 5, "long", "short") AS ?size)
}
VALUES (?p) { (UNDEF) }""",
    "optional_minus": """SELECT DISTINCT ?o ?city WHERE {
  ?o a ikg:Organisation .
  OPTIONAL { ?o ikg:locatedIn ?city . ?city a ikg:City }
  MINUS { ?o a ikg:Person }
}""",
    "filter_exists": """SELECT ?p WHERE {
  ?p a ikg:Project .
  FILTER EXISTS { ?p ikg:fundedBy ?f }
  FILTER NOT EXISTS { ?p ikg:endDate ?end }
  FILTER(LANG(?p) = "" || REGEX(STR(?p), "^http", "i") && ?p != <http://example.org/x>)
}""",
    "union_graph_service_free": """SELECT ?g (COUNT(*) AS ?n) WHERE {
  { GRAPH ?g { ?s ?p ?o } } UNION { ?s a ikg:Event . BIND(<http://example.org/g> AS ?g) }
} GROUP BY ?g""",
    "construct": """CONSTRUCT { ?p ikg:operatesIn ?c . ?p rdfs:label ?l }
WHERE { ?p a ikg:Project ; rdfs:label ?l . OPTIONAL { ?p ikg:operatesIn ?c } }""",
    "construct_where": """CONSTRUCT WHERE { ?p a ikg:Project ; rdfs:label ?l }""",
    "describe": """DESCRIBE ?p WHERE { ?p a ikg:Project } LIMIT 1""",
    "describe_iri": """DESCRIBE <http://example.org/thing>""",
    "ask": """ASK { ?p a ikg:Project ; ikg:hasPartner ?o }""",
    "declared_prefix_and_base": """BASE <http://example.org/>
PREFIX ex: <http://example.org/ns#>
SELECT * FROM <http://example.org/g> WHERE { ?s ex:p <relative> ; a ikg:Project }""",
    "dates_and_functions": """SELECT ?e (YEAR(?d) AS ?y) WHERE {
  ?e ikg:date ?d .
  FILTER(?d >= "2020-01-01"^^xsd:date && DATATYPE(?d) = xsd:date)
  FILTER(isIRI(?e) && !isBlank(?e) && COALESCE(?d, 0) != 0 && ?e IN (?e))
} ORDER BY ASC(?d) ?e""",
}
