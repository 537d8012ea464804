// English and Russian strings of the chat frame.

const en = {
  title: "Chat",
  close: "Close chat",
  messages: "Messages",
  message: "Message",
  placeholder: "Write a message…",
  send: "Send",
  connecting: "Connecting…",
  reconnecting: "Reconnecting…",
  disconnected: "Disconnected.",
  reconnect: "Reconnect",
  sending: "Sending…",
  queued: "Waiting for connection…",
  sent: "Sent",
  failed: "Not sent",
  retry: "Retry",
  earlier: "Load earlier messages",
  you: "You",
  agent: "Agent",
  assistant: "Assistant",
  typingAgent: "Agent is typing…",
  typingAssistant: "Assistant is typing…",
  rateLimited: "You are sending too fast. Try again in a moment.",
  unavailable: "The chat is temporarily unavailable. Retrying…",
  forbidden: "This chat is not available.",
  notFound: "This conversation could not be found.",
  error: "Something went wrong.",
};

export type Strings = typeof en;

const ru: Strings = {
  title: "Чат",
  close: "Закрыть чат",
  messages: "Сообщения",
  message: "Сообщение",
  placeholder: "Напишите сообщение…",
  send: "Отправить",
  connecting: "Подключение…",
  reconnecting: "Переподключение…",
  disconnected: "Нет соединения.",
  reconnect: "Подключиться",
  sending: "Отправляется…",
  queued: "Ждёт соединения…",
  sent: "Отправлено",
  failed: "Не отправлено",
  retry: "Повторить",
  earlier: "Показать более ранние сообщения",
  you: "Вы",
  agent: "Оператор",
  assistant: "Ассистент",
  typingAgent: "Оператор печатает…",
  typingAssistant: "Ассистент печатает…",
  rateLimited: "Слишком много сообщений. Попробуйте чуть позже.",
  unavailable: "Чат временно недоступен. Повторяем…",
  forbidden: "Этот чат недоступен.",
  notFound: "Разговор не найден.",
  error: "Что-то пошло не так.",
};

/** strings returns the strings of locale ("ru…" is Russian, anything else English). */
export function strings(locale: string): Strings {
  return (locale || "").toLowerCase().indexOf("ru") === 0 ? ru : en;
}
