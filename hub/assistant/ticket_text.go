package assistant

// ticketPhrases are what the built-in writes on tickets in one language.
type ticketPhrases struct {
	// needs name an intent's need in a subject.
	needs map[string]string
	// cancellation names a refund intent that asks to cancel.
	cancellation string
	// person is the subject of a request for a person with nothing else
	// said.
	person string
	// why says why an intent goes to the team, in the summary.
	why map[string]string
	// noAnswer is why a question goes to the team: %s is the best match.
	noAnswer, noMatch string
	// modelWhy is why a model handed off with a reason not an intent.
	modelWhy        string
	open, close     string // quotation marks
	asked           string // "The visitor wrote: %s"
	facts           string // "Facts: %s"
	files           string // "Files: %s"
	answeredFrom    string // "The assistant answered from: %s."
	answeredText    string // "The assistant answered: %s"
	answeredNothing string
	language        string            // "Visitor's language: %s."
	languages       map[string]string // names of the visitor's languages
	handedOff       string            // "Handed off: %s."
	more            string            // "(and %d more)"
}

var ticketTexts = map[string]*ticketPhrases{
	langEnglish: {
		needs: map[string]string{
			intentRefund:         "Refund request",
			intentAccountChange:  "Account change",
			intentOrderDetails:   "Order enquiry",
			intentSubscription:   "Subscription change",
			intentBillingDispute: "Billing dispute",
			intentException:      "Special request",
			intentTechnical:      "Technical issue",
			intentComplaint:      "Complaint",
		},
		cancellation: "Cancellation request",
		person:       "Asked for a person",
		why: map[string]string{
			intentRefund:         "a refund or cancellation, which the assistant cannot process",
			intentAccountChange:  "an account change, which the assistant cannot make",
			intentOrderDetails:   "order or account details, which the assistant cannot see",
			intentSubscription:   "a subscription change, which the assistant cannot make",
			intentBillingDispute: "a billing dispute, which needs a person",
			intentException:      "a special request or exception, which needs a person to decide",
			intentTechnical:      "a technical issue, which needs investigating",
			intentComplaint:      "a complaint, which needs personal attention",
			intentHuman:          "the visitor asked for a person",
		},
		noAnswer:        "the help content has no answer to this (best match %.2f)",
		noMatch:         "the help content has no answer to this",
		modelWhy:        "the model handed it to the team (%s)",
		open:            "“",
		close:           "”",
		asked:           "The visitor wrote: %s",
		facts:           "Facts: %s",
		files:           "Files: %s",
		answeredFrom:    "The assistant answered from: %s.",
		answeredText:    "The assistant answered: %s",
		answeredNothing: "The assistant had not answered anything.",
		language:        "Visitor's language: %s.",
		languages:       map[string]string{langEnglish: "English", langRussian: "Russian"},
		handedOff:       "Handed off: %s.",
		more:            " (and %d more)",
	},
	langRussian: {
		needs: map[string]string{
			intentRefund:         "Возврат денег",
			intentAccountChange:  "Изменение аккаунта",
			intentOrderDetails:   "Вопрос о заказе",
			intentSubscription:   "Изменение подписки",
			intentBillingDispute: "Спорное списание",
			intentException:      "Особая просьба",
			intentTechnical:      "Техническая проблема",
			intentComplaint:      "Жалоба",
		},
		cancellation: "Просьба об отмене",
		person:       "Просит сотрудника",
		why: map[string]string{
			intentRefund:         "возврат или отмена, которые ассистент не оформляет",
			intentAccountChange:  "изменение аккаунта, которое ассистент не вносит",
			intentOrderDetails:   "данные заказа или аккаунта, которых ассистент не видит",
			intentSubscription:   "изменение подписки, которое ассистент не вносит",
			intentBillingDispute: "спорное списание, нужен сотрудник",
			intentException:      "особая просьба или исключение, решает сотрудник",
			intentTechnical:      "техническая проблема, нужно разобраться",
			intentComplaint:      "жалоба, нужно личное внимание",
			intentHuman:          "посетитель попросил сотрудника",
		},
		noAnswer:        "в справочных материалах нет ответа (лучшее совпадение %.2f)",
		noMatch:         "в справочных материалах нет ответа",
		modelWhy:        "модель передала разговор команде (%s)",
		open:            "«",
		close:           "»",
		asked:           "Посетитель написал: %s",
		facts:           "Факты: %s",
		files:           "Файлы: %s",
		answeredFrom:    "Ассистент ответил по статьям: %s.",
		answeredText:    "Ассистент ответил: %s",
		answeredNothing: "Ассистент ещё ничего не ответил.",
		language:        "Язык посетителя: %s.",
		languages:       map[string]string{langEnglish: "английский", langRussian: "русский"},
		handedOff:       "Причина передачи: %s.",
		more:            " (и ещё %d)",
	},
}

func (tp *ticketPhrases) quote(s string) string { return tp.open + s + tp.close }
