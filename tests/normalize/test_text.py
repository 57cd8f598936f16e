"""normalize.text: whitespace, entities, HTML sanitizing and flattening."""

from __future__ import annotations

import pytest

from normalize.text import clean_text, clean_whitespace, fold, html_to_text, sanitize_and_flatten, sanitize_html, strip_accents


@pytest.mark.parametrize(("raw", "expected"), [
    ("  Data\u00a0engineer\u202f ", "Data engineer"),
    ("Data&nbsp;engineer", "Data engineer"),
    ("Secr&eacute;tariat g&eacute;n&eacute;ral", "Secrétariat général"),
    ("Direction d&rsquo;&eacute;tudes &amp; co", "Direction d’études & co"),
    ("l&#039;État", "l'État"),
    ("a\tb\nc\r\nd", "a b c d"),
    ("zero\u200bwidth\ufeff", "zerowidth"),
    ("Dév\x00eloppeur\x07", "Développeur"),  # control characters: PostgreSQL refuses NUL, XML the others
    ("DINUM\x00 &amp; co\x1b", "DINUM & co"),
    # bidi controls and other format characters: invisible, never part of a value
    ("\u202e(75)", "(75)"),
    ("\u202eParis\u202c", "Paris"),
    ("\u2066Lyon\u2069 \u200e", "Lyon"),
    ("\u202e", None),
    ("R&D", "R&D"),
    ("   ", None),
    ("&nbsp;", None),
    (None, None),
    (75007, "75007"),
    (["liste"], None),
])
def test_clean_text(raw: object, expected: str | None) -> None:
    assert clean_text(raw) == expected


def test_existing_helpers_unchanged() -> None:
    assert clean_whitespace("Data&nbsp;engineer\u202f ") == "Data&nbsp;engineer"
    assert clean_whitespace("  ") is None
    assert clean_whitespace("\u202e(75)") == "(75)"
    assert strip_accents("Île-de-France") == "Ile-de-France"
    assert fold("  Développeur   FRONT-end\u00a0(H/F) ") == "developpeur front-end (h/f)"
    assert fold("Œuvre d’art") == "oeuvre d'art"


# ---------------------------------------------------------------- sanitizing
@pytest.mark.parametrize("dangerous", [
    '<p>Bonjour</p><script>alert("x")</script>',
    '<p onclick="alert(1)">Bonjour</p>',
    '<p>Bonjour <a href="javascript:alert(1)">lien</a></p>',
    '<p>Bonjour <a href="JaVaScRiPt:alert(1)">lien</a></p>',
    '<img src="x" onerror="alert(1)"><p>Bonjour</p>',
    '<p>Bonjour</p><iframe src="https://evil.example"></iframe>',
    '<p style="background:url(javascript:alert(1))">Bonjour</p>',
    '<svg onload="alert(1)"><circle/></svg><p>Bonjour</p>',
    '<p>Bonjour</p><style>p{}</style><noscript>n</noscript>',
    '<a href="data:text/html;base64,PHNjcmlwdD4=">Bonjour</a>',
])
def test_sanitize_removes_active_content(dangerous: str) -> None:
    out = sanitize_html(dangerous).lower()
    assert "bonjour" in out
    for bad in ("<script", "onclick", "onerror", "onload", "javascript:", "<iframe", "style", "data:", "<svg", "alert"):
        assert bad not in out


def test_sanitize_keeps_the_allowed_structure() -> None:
    html = ('<h2>Missions</h2><p>Vous <strong>codez</strong>, <em>testez</em>, <b>livrez</b> '
            '<i>vite</i>.<br>Ensuite</p><ul><li>Python</li></ul><ol><li>un</li></ol>'
            '<h3>Profil</h3><h4>Savoir-faire</h4><p><a href="https://example.gouv.fr/x" class="c" target="_blank">site</a> '
            '<a href="mailto:rh@example.gouv.fr">mail</a></p>')
    out = sanitize_html(html)
    for kept in ("<h2>Missions</h2>", "<strong>codez</strong>", "<em>testez</em>", "<b>livrez</b>", "<i>vite</i>",
                 "<br>", "<ul><li>Python</li></ul>", "<ol><li>un</li></ol>", "<h3>Profil</h3>", "<h4>Savoir-faire</h4>",
                 'href="https://example.gouv.fr/x"', 'href="mailto:rh@example.gouv.fr"'):
        assert kept in out
    assert "class=" not in out and "target=" not in out


@pytest.mark.parametrize(("html", "expected"), [
    ("<div>Texte seul</div>", "<p>Texte seul</p>"),
    ("<div><div><p>a</p></div></div>", "<p>a</p>"),
    ("<section>Intro<p>a</p>suite</section>", "<p>Intro</p><p>a</p><p>suite</p>"),
    ("<h1>Titre</h1><h5>Sous</h5>", "<h2>Titre</h2><h4>Sous</h4>"),
    ("<p>a&nbsp;:&#8239;b</p>", "<p>a : b</p>"),
    ("<p>  beaucoup   \n\t d'espaces </p>", "<p> beaucoup d'espaces </p>"),
    ("<p></p><p>&nbsp;</p><p><br></p><p>x</p>", "<p>x</p>"),
    ("<p>a<!-- commentaire --> b</p>", "<p>a b</p>"),
    ("Texte brut\nligne 2\n\nParagraphe 2", "<p>Texte brut<br>ligne 2</p><p>Paragraphe 2</p>"),
    ("&lt;p&gt;échappé une fois de trop&lt;/p&gt;", "<p>échappé une fois de trop</p>"),
    ("<span>inline</span> <em>seul</em>", "<p>inline <em>seul</em></p>"),
])
def test_sanitize_normalizes_layout(html: str, expected: str) -> None:
    assert sanitize_html(html) == expected


@pytest.mark.parametrize("empty", [None, "", "   ", "<p>&nbsp;</p>", "<script>x</script>", "<img src=x>"])
def test_nothing_to_show(empty: str | None) -> None:
    assert sanitize_and_flatten(empty) == (None, None)
    assert sanitize_html(empty) == ""
    assert html_to_text(empty) == ""


# ---------------------------------------------------------------- flattening
@pytest.mark.parametrize(("html", "expected"), [
    ("<p>Un</p><p>Deux</p>", "Un\n\nDeux"),
    ("<h3>Profil</h3><ul><li>Python</li><li>SQL</li></ul>", "Profil\n\n- Python\n- SQL"),
    ("<p>Vous&nbsp;:<br>- codez ;<br>- testez.</p>", "Vous :\n- codez ;\n- testez."),
    ("<ul><li>a<ul><li>b</li></ul></li><li>c</li></ul>", "- a\n- b\n- c"),
    ("<div>Bloc<div>imbriqué</div></div>", "Bloc\n\nimbriqué"),
    ("<p>a<br><br>b</p>", "a\n\nb"),
    ("<p>a<br><br><br><br>b</p>", "a\n\nb"),
    ("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\n\nc"),
    ("<p>Proximit&eacute; &amp; support</p>", "Proximité & support"),
    ("<p>caché<script>var x = 1;</script></p>", "caché"),
])
def test_html_to_text(html: str, expected: str) -> None:
    assert html_to_text(html) == expected


def test_flatten_and_sanitize_agree_on_text() -> None:
    html = '<h2>Vos missions</h2><div><p>La DINUM&nbsp;: <a href="https://x.fr">lien</a></p></div><ul><li>un</li></ul>'
    sanitized, text = sanitize_and_flatten(html)
    assert text == "Vos missions\n\nLa DINUM : lien\n\n- un"
    assert html_to_text(sanitized) == text
    assert sanitize_html(sanitized) == sanitized  # idempotent


def test_broken_markup_never_raises() -> None:
    for markup in ("<p><b>non fermé", "</p></div>texte", "<<<>>>", "<p \x00>nul</p>", "<" * 50):
        sanitized, text = sanitize_and_flatten(markup)
        assert sanitized is None or isinstance(sanitized, str)
        assert text is None or isinstance(text, str)
