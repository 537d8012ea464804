package assistant

import (
	"slices"
	"testing"
)

func TestExtractFacts(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		orders  []string
		amounts []string
		dates   []string
	}{
		{"hash order", "Where is my order #12345?", []string{"12345"}, nil, nil},
		{"order word", "I want a refund for order 4411, it arrived broken", []string{"4411"}, nil, nil},
		{"order number phrase", "my order number is 99812", []string{"99812"}, nil, nil},
		{"two orders in a row", "orders #4411 #5000 and order 6000 order 7000", []string{"4411", "5000", "6000"}, nil, nil},
		{"order code", "Refund for TT-2024-118 please", []string{"TT-2024-118"}, nil, nil},
		{"order word and code", "order ab-77123 never came", []string{"ab-77123"}, nil, nil},
		{"russian order with sign", "заказ № 5521 не пришёл", []string{"5521"}, nil, nil},
		{"russian order number", "номер заказа 7781, верните деньги", []string{"7781"}, nil, nil},
		{"russian inflected order", "по заказу 3310 списали дважды", []string{"3310"}, nil, nil},
		{"euro sign before", "I paid €49.90 for it", nil, []string{"€49.90"}, nil},
		{"euro word after", "it cost 30 euros", nil, []string{"€30"}, nil},
		{"dollar sign", "charged $ 120 twice", nil, []string{"$120"}, nil},
		{"roubles grouped", "списали 1 200 ₽ лишних", nil, []string{"1 200 ₽"}, nil},
		{"roubles word", "верните 500 руб.", nil, []string{"500 ₽"}, nil},
		{"roubles long word", "заплатил 2500 рублей", nil, []string{"2500 ₽"}, nil},
		{"comma decimals", "49,90 € were taken", nil, []string{"€49,90"}, nil},
		{"day and month", "I ordered it on 12 March", nil, nil, []string{"12 March"}},
		{"month and day", "ordered March 3rd", nil, nil, []string{"March 3rd"}},
		{"numeric date", "paid on 12.03 and again on 14/03/2024", nil, nil, []string{"12.03", "14/03/2024"}},
		{"russian date", "оплатила 5 марта", nil, nil, []string{"5 марта"}},
		{"relative english", "I was charged yesterday", nil, nil, []string{"yesterday"}},
		{"relative russian", "вчера списали деньги", nil, nil, []string{"вчера"}},
		{"amount is not a date", "it was €12.03", nil, []string{"€12.03"}, nil},
		{"everything", "Order #4411: I paid €49.90 on 12 March and want my money back",
			[]string{"4411"}, []string{"€49.90"}, []string{"12 March"}},
		{"russian everything", "Заказ №4411 от 3 мая, оплатил 1 200 ₽ вчера",
			[]string{"4411"}, []string{"1 200 ₽"}, []string{"вчера", "3 мая"}},

		// Not facts.
		{"email", "my email is ann4411@shop.test", nil, nil, nil},
		{"link", "see https://shop.test/orders/12345", nil, nil, nil},
		{"phone", "call me at +7 999 123-45-67", nil, nil, nil},
		{"quantity", "I ordered 3 mugs and 12 plates", nil, nil, nil},
		{"bare number", "it is 4411", nil, nil, nil},
		{"number without currency", "it cost 30", nil, nil, nil},
		{"version", "the app 2.5 crashes", nil, nil, nil},
		{"time", "open at 9:00?", nil, nil, nil},
		{"not a month", "12.50 is the price", nil, nil, nil},
		{"to order", "где заказать торт на 12 человек", nil, nil, nil},
		{"a bank account", "перевёл на счёт 40817810099910004312", nil, nil, nil},
		{"a weight", "the parcel weighs 10 pounds", nil, nil, nil},
		{"pounds as a sign", "I paid £15", nil, []string{"£15"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := extractFacts(tt.text)
			var amounts []string
			for _, a := range f.amounts {
				amounts = append(amounts, a.String())
			}
			if !slices.Equal(f.orders, tt.orders) || !slices.Equal(amounts, tt.amounts) || !slices.Equal(f.dates, tt.dates) {
				t.Errorf("orders %q amounts %q dates %q; want %q %q %q", f.orders, amounts, f.dates, tt.orders, tt.amounts, tt.dates)
			}
		})
	}
}

func TestExtractFactsAcrossMessages(t *testing.T) {
	f := extractFacts("order #4411", "it was #4411, sorry", "#5000", "#6000", "#7000")
	if !slices.Equal(f.orders, []string{"4411", "5000", "6000"}) {
		t.Errorf("orders %q: want each once, in order, at most %d", f.orders, maxFactsEach)
	}
	if got := f.subjectFacts(langRussian); !slices.Equal(got, []string{"заказ №4411", "заказ №5000", "заказ №6000"}) {
		t.Errorf("subject facts %q", got)
	}
	f = extractFacts("вчера, order TT-2024-118, €5")
	if got := f.subjectFacts(langEnglish); !slices.Equal(got, []string{"order TT-2024-118", "€5"}) {
		t.Errorf("subject facts %q: a relative date is left out", got)
	}
	if got := f.all(langEnglish); !slices.Equal(got, []string{"order TT-2024-118", "€5", "вчера"}) {
		t.Errorf("all facts %q", got)
	}
}
