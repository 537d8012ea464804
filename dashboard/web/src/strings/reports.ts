// Reports (views/reports.tsx).
// English, then Russian with the same keys in the same order; i18n.tsx joins the areas.

export const en = {
  "reports.allSites": "All sites",
  "reports.csv": "Export CSV",
  "reports.conversations": "Conversations",
  "reports.firstResponse": "Median first response",
  "reports.firstAgentResponse": "Median first response by an agent",
  "reports.resolution": "Median resolution time",
  "reports.assistantShare": "Resolved by the assistant",
  "reports.assistantShareHint": "{n} of {total}: the visitor got the assistant's answer and did not come back for help within 24 hours, with no agent, ticket or hand-off. Counted once those 24 hours have passed.",
  "reports.conversationsPerDay": "Conversations per day",
  "reports.ticketsPerDay": "Tickets opened and resolved per day",
  "reports.opened": "Opened",
  "reports.resolved": "Resolved",
  "reports.thumbsPerDay": "Thumbs up and down per day",
  "reports.noData": "No data for these dates.",
};

export const ru: Record<keyof typeof en, string> = {
  "reports.allSites": "Все сайты",
  "reports.csv": "Экспорт CSV",
  "reports.conversations": "Разговоры",
  "reports.firstResponse": "Медиана первого ответа",
  "reports.firstAgentResponse": "Медиана первого ответа агента",
  "reports.resolution": "Медиана времени решения",
  "reports.assistantShare": "Решено ассистентом",
  "reports.assistantShareHint": "{n} из {total}: посетитель получил ответ ассистента и не вернулся за помощью в течение 24 часов, без агента, тикета и передачи. Засчитывается, когда эти 24 часа прошли.",
  "reports.conversationsPerDay": "Разговоры по дням",
  "reports.ticketsPerDay": "Открытые и решённые тикеты по дням",
  "reports.opened": "Открыто",
  "reports.resolved": "Решено",
  "reports.thumbsPerDay": "Оценки по дням",
  "reports.noData": "За эти дни данных нет.",
};
