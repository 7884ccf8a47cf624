"""Language detection of documents (function-word profiles, no model)."""

from kg.extract.language import detect_language, language_name


def test_english_news_item():
    text = (
        "The partners of the project met in the city to discuss the integration of newcomers, "
        "and the municipality presented its plans for the next year with the local associations."
    )
    assert detect_language(text) == "en"


def test_french_and_german_and_greek():
    fr = (
        "Le projet a été présenté à la mairie par les partenaires de la ville et des associations qui "
        "travaillent avec les migrants dans le quartier. Les résultats sont très positifs pour la suite."
    )
    de = (
        "Das Projekt wurde von der Stadt und den Partnern vorgestellt, die mit Geflüchteten in der "
        "Nachbarschaft arbeiten. Die Ergebnisse sind sehr positiv und werden auch im nächsten Jahr fortgesetzt."
    )
    el = "Το έργο παρουσιάστηκε στον δήμο από τους εταίρους του προγράμματος για την ένταξη."
    assert detect_language(fr) == "fr"
    assert detect_language(de) == "de"
    assert detect_language(el) == "el"
    assert language_name("el") == "Greek"


def test_english_with_foreign_names_stays_english():
    text = (
        "Representatives of the Associazione per le Mani Unite and of the Fundación de la Esperanza met "
        "in the town hall of Turin on Monday to sign the agreement of the network, which is supported "
        "by the regional government and coordinated by the city."
    )
    assert detect_language(text) == "en"


def test_short_text_defaults_to_english():
    assert detect_language("Hola") == "en"
