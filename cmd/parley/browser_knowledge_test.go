package main

import (
	"fmt"
	"reflect"
	"testing"
)

// TestBrowserKnowledgeEditor drives the knowledge editor's new fields in
// Settings → Knowledge base: a Russian entry with phrasings ("also asked
// as") that translates an English one, and the site's synonyms, in English
// and in Russian; what the browser saves is what the API then returns.
func TestBrowserKnowledgeEditor(t *testing.T) {
	d := startDemoBrowser(t)
	n, owner := d.n, d.auth
	base := n.URL + "/api/v1"
	site := demoSiteID(t, n, owner)
	var orig wireKnowledgeLinks
	if st := do(t, "POST", fmt.Sprintf("%s/sites/%d/knowledge", base, site), owner, map[string]any{"kind": "qa",
		"title": "Do you sell gift cards?", "body": "Yes, from $10."}, &orig); st != 201 {
		t.Fatalf("create an entry: status %d", st)
	}

	ann := newAgentTab(t, n, "owner")
	ann.loginUI(t, n, d.email, d.password)
	ann.click(t, tid("nav-settings"))
	ann.click(t, tid("settings-knowledge"))
	ann.wait(t, "the entry with its language", fmt.Sprintf(`(document.querySelector('[data-testid="kb-entry"][data-id="%d"] [data-testid="kb-entry-language"]') || {}).textContent === "en"`, orig.ID),
		`document.body.innerText.slice(0, 400)`)
	ann.click(t, tid("kb-new-qa"))
	ann.wait(t, "the editor", fmt.Sprintf(`document.querySelector('[data-testid="kb-language"]')?.value === "" &&
		[...document.querySelectorAll('[data-testid="kb-translation-of"] option')].some((o) => o.value === "%d") &&
		document.body.innerText.includes("Also asked as") && document.body.innerText.includes("Translation of")`, orig.ID),
		`document.body.innerText.slice(0, 600)`)
	ann.setField(t, tid("kb-title"), "Есть ли подарочные карты?")
	ann.setField(t, tid("kb-body"), "Да, от 1000 рублей.")
	ann.setField(t, tid("kb-phrasings"), " Можно купить сертификат? \n\nПодарочный сертификат")
	ann.setField(t, tid("kb-language"), "ru")
	ann.setField(t, tid("kb-translation-of"), fmt.Sprint(orig.ID))
	ann.click(t, `.modal .save-row button.primary`)
	ann.wait(t, "the new entry, a translation", fmt.Sprintf(`!document.querySelector(".modal") &&
		[...document.querySelectorAll('[data-testid="kb-entry"]')].some((e) => e.textContent.includes("Есть ли подарочные карты?") && e.textContent.includes("translation of #%d"))`, orig.ID),
		`document.body.innerText.slice(0, 600)`)
	var list struct{ Items []wireKnowledgeLinks }
	if st := do(t, "GET", fmt.Sprintf("%s/sites/%d/knowledge", base, site), owner, nil, &list); st != 200 {
		t.Fatalf("list: status %d", st)
	}
	got := list.Items[len(list.Items)-1]
	if got.Title != "Есть ли подарочные карты?" || got.Language != "ru" || got.TranslationOf != orig.ID ||
		!reflect.DeepEqual(got.Phrasings, []string{"Можно купить сертификат?", "Подарочный сертификат"}) {
		t.Fatalf("saved %+v", got)
	}

	ann.setField(t, tid("kb-synonyms"), "Parcel, package\n\ngift card ,  voucher")
	ann.click(t, tid("kb-synonyms-save"))
	ann.wait(t, "the synonyms saved", `document.querySelector('[data-testid="kb-synonyms"]').value === "parcel, package\ngift card, voucher"`,
		`document.body.innerText.slice(0, 600)`)
	var s struct {
		Synonyms [][]string `json:"synonyms"`
	}
	if st := do(t, "GET", fmt.Sprintf("%s/sites/%d", base, site), owner, nil, &s); st != 200 ||
		!reflect.DeepEqual(s.Synonyms, [][]string{{"parcel", "package"}, {"gift card", "voucher"}}) {
		t.Fatalf("site synonyms: %d %q", st, s.Synonyms)
	}

	// In Russian.
	ann.setField(t, tid("lang-switch"), "ru")
	ann.click(t, tid("kb-new-qa"))
	ann.wait(t, "the editor in Russian", `document.body.innerText.includes("Также спрашивают") && document.body.innerText.includes("Перевод записи") &&
		document.body.innerText.includes("Синонимы") && [...document.querySelectorAll('[data-testid="kb-language"] option')].map((o) => o.textContent).join("|") === "Определить по тексту|Английский|Русский"`,
		`document.body.innerText.slice(0, 600)`)
}
