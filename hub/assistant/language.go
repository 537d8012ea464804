package assistant

// The languages the built-in assistant writes in.
const (
	langEnglish = "en"
	langRussian = "ru"
)

// phrases are the texts the built-in assistant writes in one language.
//
// The escalation lead-ins are one sentence: what happens next, in words
// that fit the need (a refund is looked at, a charge looked into, a
// complaint taken up). The Service follows them with the request for the
// email (hub/handoff.go, textAskEmail), which says that a ticket is made
// and how the team replies, so a lead-in never mentions the email, the
// ticket or the reply itself.
type phrases struct {
	greeting string // a reply to a greeting or an opener like "I have a question"
	thanks   string // a reply to thanks
	presence string // a reply to "are you still there?"
	noAnswer string // lead-in when the knowledge base has no answer
	// cannotDo are the escalation lead-ins by intent.
	cannotDo map[string]string
}

var texts = map[string]*phrases{
	langEnglish: {
		greeting: "Hello! How can I help you today?",
		thanks:   "You're welcome! Is there anything else I can help you with?",
		presence: "Yes, I'm here — what can I help you with?",
		noAnswer: "I couldn't find this in our help pages, so a teammate will answer your question.",
		cannotDo: map[string]string{
			intentRefund:         "I can't process refunds or cancellations myself, so a teammate will take care of your request.",
			intentAccountChange:  "I can't change accounts myself, so a teammate will make the change for you.",
			intentOrderDetails:   "I can't see orders or accounts, so a teammate will look yours up.",
			intentSubscription:   "I can't change subscriptions myself, so a teammate will handle it for you.",
			intentBillingDispute: "A teammate will look into the charge for you.",
			intentException:      "A teammate will consider your request.",
			intentTechnical:      "A teammate will look into the problem.",
			intentComplaint:      "I'm sorry to hear that — a teammate will take this up personally.",
			intentHuman:          "Of course — a teammate will take over from here.",
		},
	},
	langRussian: {
		greeting: "Здравствуйте! Чем могу помочь?",
		thanks:   "Пожалуйста! Могу ли я ещё чем-нибудь помочь?",
		presence: "Да, я здесь. Чем могу помочь?",
		noAnswer: "Я не нашёл ответа в наших справочных материалах — на ваш вопрос ответит сотрудник.",
		cannotDo: map[string]string{
			intentRefund:         "Я не могу сам оформить возврат или отмену — этим займётся сотрудник.",
			intentAccountChange:  "Я не могу сам менять аккаунты — изменения внесёт сотрудник.",
			intentOrderDetails:   "Я не вижу заказов и аккаунтов — ваш заказ проверит сотрудник.",
			intentSubscription:   "Я не могу сам менять подписки — этим займётся сотрудник.",
			intentBillingDispute: "Сотрудник разберётся со списанием.",
			intentException:      "Вашу просьбу рассмотрит сотрудник.",
			intentTechnical:      "Сотрудник разберётся с проблемой.",
			intentComplaint:      "Очень жаль, что так вышло, — сотрудник лично во всём разберётся.",
			intentHuman:          "Конечно — дальше вам поможет сотрудник.",
		},
	},
}

// textsFor returns the phrases of lang, English for an unknown one.
func textsFor(lang string) *phrases {
	if p, ok := texts[lang]; ok {
		return p
	}
	return texts[langEnglish]
}
