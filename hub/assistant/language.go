package assistant

// The languages the built-in assistant writes in.
const (
	langEnglish = "en"
	langRussian = "ru"
)

// phrases are the texts the built-in assistant writes in one language.
// The escalation lead-ins say what the assistant cannot do and that the
// team can; they never ask for the email, which the Service asks for next.
type phrases struct {
	greeting string // a reply to a greeting or an opener like "I have a question"
	thanks   string // a reply to thanks
	noAnswer string // lead-in when the knowledge base has no answer
	// cannotDo are the escalation lead-ins by intent.
	cannotDo map[string]string
}

var texts = map[string]*phrases{
	langEnglish: {
		greeting: "Hello! How can I help you today?",
		thanks:   "You're welcome! Is there anything else I can help you with?",
		noAnswer: "I couldn't find an answer to that in our help content, but our team can help.",
		cannotDo: map[string]string{
			intentRefund:         "I'm not able to process refunds or cancellations myself, but our team can take care of it.",
			intentAccountChange:  "I can't make changes to accounts myself, but our team can do it for you.",
			intentOrderDetails:   "I don't have access to order or account details, but our team can look them up.",
			intentSubscription:   "I can't change subscriptions myself, but our team can help with that.",
			intentBillingDispute: "I can't resolve billing issues myself, but our team will look into the charge.",
			intentException:      "I can't make exceptions or special arrangements myself, but our team can consider your request.",
			intentTechnical:      "I can't investigate technical issues myself, but our team can look into it.",
			intentComplaint:      "I'm sorry to hear that. This deserves personal attention that I can't give, but our team will take it up.",
			intentHuman:          "Of course! A member of our team will take it from here.",
		},
	},
	langRussian: {
		greeting: "Здравствуйте! Чем могу помочь?",
		thanks:   "Пожалуйста! Могу ли я ещё чем-нибудь помочь?",
		noAnswer: "К сожалению, мне не удалось найти ответ на этот вопрос в наших справочных материалах, но наша команда поможет.",
		cannotDo: map[string]string{
			intentRefund:         "К сожалению, я не могу оформить возврат или отмену, но наша команда с этим поможет.",
			intentAccountChange:  "К сожалению, я не могу вносить изменения в аккаунт, но наша команда сделает это для вас.",
			intentOrderDetails:   "К сожалению, у меня нет доступа к данным заказов и аккаунтов, но наша команда всё проверит.",
			intentSubscription:   "К сожалению, я не могу изменить подписку, но наша команда с этим поможет.",
			intentBillingDispute: "К сожалению, я не могу решать вопросы со списаниями, но наша команда во всём разберётся.",
			intentException:      "К сожалению, я не могу делать исключения или предлагать особые условия, но наша команда рассмотрит вашу просьбу.",
			intentTechnical:      "К сожалению, я не могу разобраться с технической проблемой, но наша команда её изучит.",
			intentComplaint:      "Очень жаль, что так получилось. Такое обращение требует личного внимания, которого я дать не могу, но наша команда им займётся.",
			intentHuman:          "Конечно! Дальше вам поможет сотрудник нашей команды.",
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
