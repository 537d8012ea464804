package assistant

import "testing"

func TestIntentPatternsCompile(t *testing.T) {
	// compileIntents panics on a malformed pattern; reaching here means the
	// package loaded. Check every pattern compiled to something.
	if len(compiledIntents) != len(intentPatterns) {
		t.Fatalf("%d intents compiled, want %d", len(compiledIntents), len(intentPatterns))
	}
	for i, ci := range compiledIntents {
		if len(ci.patterns) < len(intentPatterns[i].patterns) {
			t.Errorf("%s: %d patterns compiled, want at least %d", ci.intent, len(ci.patterns), len(intentPatterns[i].patterns))
		}
	}
	for _, bad := range []string{"a >", "a ? b", "a ~ b ~ c", ""} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("compilePattern(%q) did not panic", bad)
				}
			}()
			compilePattern(bad)
		}()
	}
}

func TestDetectIntent(t *testing.T) {
	tests := []struct {
		text, want string
	}{
		// refunds and cancellations
		{"I want a refund for my last purchase", intentRefund},
		{"Can I get my money back?", intentRefund},
		{"Please cancel my order", intentRefund},
		{"Верните мне деньги за заказ", intentRefund},
		{"Хочу оформить возврат товара", intentRefund},
		{"Отмените заказ, пожалуйста", intentRefund},
		{"когда вернут деньги?", intentRefund},
		// account changes
		{"Please delete my account", intentAccountChange},
		{"I need to change the email on my account", intentAccountChange},
		{"How do I change my password?", intentAccountChange},
		{"Хочу удалить свой аккаунт", intentAccountChange},
		{"Смените, пожалуйста, почту в профиле", intentAccountChange},
		{"как поменять пароль", intentAccountChange},
		// order and account details
		{"Where is my order #12345?", intentOrderDetails},
		{"What's the status of order 5521?", intentOrderDetails},
		{"My parcel still hasn't arrived", intentOrderDetails},
		{"Can you send me the invoice?", intentOrderDetails},
		{"Где мой заказ?", intentOrderDetails},
		{"Какой статус у заказа 5521?", intentOrderDetails},
		{"Посылка до сих пор не пришла", intentOrderDetails},
		{"Пришлите счёт на оплату", intentOrderDetails},
		// subscriptions
		{"I'd like to upgrade to the premium plan", intentSubscription},
		{"Cancel my subscription", intentSubscription},
		{"Хочу отменить подписку", intentSubscription},
		{"Как перейти на другой тариф?", intentSubscription},
		// billing disputes
		{"I was charged twice for the same order", intentBillingDispute},
		{"There is an unauthorized charge on my card", intentBillingDispute},
		{"С карты дважды списали деньги", intentBillingDispute},
		{"Сняли лишние деньги", intentBillingDispute},
		{"Неверная сумма в чеке", intentBillingDispute},
		// exceptions
		{"Can I get a discount on a bulk purchase?", intentException},
		{"Could I get an extension on the deadline?", intentException},
		{"Можно ли сделать скидку?", intentException},
		{"Сделайте исключение, пожалуйста", intentException},
		// technical issues
		{"The checkout page is not working", intentTechnical},
		{"I can't log in", intentTechnical},
		{"The app crashed again", intentTechnical},
		{"Сайт выдаёт ошибку при оплате", intentTechnical},
		{"Приложение не работает", intentTechnical},
		{"Не могу войти в личный кабинет", intentTechnical},
		// complaints
		{"This is unacceptable, terrible service", intentComplaint},
		{"I want to file a complaint", intentComplaint},
		{"Это безобразие, я очень возмущён", intentComplaint},
		{"Хочу оставить жалобу", intentComplaint},
		// explicit requests for a person, beating everything else
		{"Can I talk to a real person?", intentHuman},
		{"I want to speak to a human", intentHuman},
		{"operator please", intentHuman},
		{"Let me talk to your manager about this refund", intentHuman},
		{"Позовите, пожалуйста, живого человека", intentHuman},
		{"Соедините с оператором", intentHuman},
		{"Мне нужен менеджер", intentHuman},
		{"Хочу поговорить с сотрудником поддержки", intentHuman},
		// questions the knowledge base answers: no intent
		{"How long does shipping take?", ""},
		{"What are your opening hours?", ""},
		{"How do I reset my password?", ""},
		{"Do you have a Chrome extension?", ""},
		{"Are there extra charges for delivery?", ""},
		{"Сколько идёт доставка?", ""},
		{"Где можно заказать торт?", ""},
		{"На сколько человек рассчитан стол?", ""},
		{"От чего зависит цена доставки?", ""},
		{"Как повторно оплатить заказ?", ""},
		{"Как сбросить пароль?", ""},
	}
	for _, tt := range tests {
		if got := detectIntent(words(tt.text)); got != tt.want {
			t.Errorf("detectIntent(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestSmallTalkKind(t *testing.T) {
	tests := []struct {
		text, want string
	}{
		{"hi", smallTalkGreeting},
		{"Hello there!", smallTalkGreeting},
		{"Good morning, team", smallTalkGreeting},
		{"Hi, I have a question", smallTalkGreeting},
		{"hello? is anyone there?", smallTalkPresence},
		{"are you still there?", smallTalkPresence},
		{"you there?", smallTalkPresence},
		{"Hello, anyone here?", smallTalkPresence},
		{"Вы тут?", smallTalkPresence},
		{"вы здесь?", smallTalkPresence},
		{"алло, есть кто?", smallTalkPresence},
		{"кто?", smallTalkGreeting},
		{"thanks, are you still there?", smallTalkThanks},
		{"Are you open on Sundays?", smallTalkNone},
		{"Are you still shipping to Norway?", smallTalkNone},
		{"Вы тут работаете по выходным?", smallTalkNone},
		{"Есть кто-нибудь?", smallTalkGreeting},
		{"Привет", smallTalkGreeting},
		{"Здравствуйте!", smallTalkGreeting},
		{"Добрый день", smallTalkGreeting},
		{"thanks!", smallTalkThanks},
		{"Thank you so much", smallTalkThanks},
		{"ok thanks", smallTalkThanks},
		{"Спасибо большое!", smallTalkThanks},
		{"ok", smallTalkAck},
		{"Понятно", smallTalkAck},
		{"Hi, how long does shipping take?", smallTalkNone},
		{"Привет, где мой заказ?", smallTalkNone},
		{"thanks, but where is my order", smallTalkNone},
	}
	for _, tt := range tests {
		if got := smallTalkKind(words(tt.text)); got != tt.want {
			t.Errorf("smallTalkKind(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestIsQuestion(t *testing.T) {
	tests := []struct {
		text string
		want bool
	}{
		{"How do I cancel my order", true},
		{"Hi, how do I cancel my order", true},
		{"I want to cancel my order", false},
		{"I want to cancel my order. Can you?", true},
		{"Как отменить заказ", true},
		{"Можно ли отменить заказ", true},
		{"Отмените заказ", false},
	}
	for _, tt := range tests {
		if got := isQuestion(tt.text, words(tt.text)); got != tt.want {
			t.Errorf("isQuestion(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}
