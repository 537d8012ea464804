// Platform staff: the workspaces that opened support access, their plans, and the read-only view of one (views/workspaces.tsx).
// English, then Russian with the same keys in the same order; i18n.tsx joins the areas.

export const en = {
  "view.banner": "Viewing {name} — read-only (support access)",
  "view.leave": "Leave",
  "view.ended": "Support access to {name} was closed: the read-only view has ended.",
  "view.readOnly": "Read-only: support access does not allow changes.",
  "ws.hint": "Workspaces whose owners have opened support access. Viewing is read-only, and every page you open is written to the workspace's activity log.",
  "ws.none": "No workspace has opened support access.",
  "ws.refresh": "Refresh",
  "ws.staffOnly": "Only platform staff view workspaces.",
  "ws.until": "open until {when}",
  "ws.untilOff": "open until turned off",
  "ws.view": "View read-only",
  "ws.plans": "Plans",
  "ws.plansHint": "Every customer's workspace and its plan. A change applies at once: a plan without the widget closes the chat on the workspace's sites, and its dashboard shows what is locked. Each change is written to the workspace's activity log.",
  "ws.more": "Show more",
  "ws.planOf": "Plan of {name}",
  "ws.planSaved": "Plan of {name}: {plan}",
};

export const ru: Record<keyof typeof en, string> = {
  "view.banner": "Просмотр «{name}» — только чтение (доступ поддержки)",
  "view.leave": "Выйти",
  "view.ended": "Доступ поддержки к «{name}» закрыт: просмотр завершён.",
  "view.readOnly": "Только чтение: доступ поддержки не позволяет ничего менять.",
  "ws.hint": "Пространства, владельцы которых открыли доступ поддержке. Просмотр — только чтение, и каждая открытая страница попадает в журнал действий пространства.",
  "ws.none": "Ни одно пространство не открыло доступ поддержке.",
  "ws.refresh": "Обновить",
  "ws.staffOnly": "Просматривать пространства могут только сотрудники платформы.",
  "ws.until": "открыт до {when}",
  "ws.untilOff": "открыт до выключения",
  "ws.view": "Смотреть (только чтение)",
  "ws.plans": "Тарифы",
  "ws.plansHint": "Все пространства клиентов и их тарифы. Смена действует сразу: без виджета в тарифе чат на сайтах пространства закрывается, а его панель показывает, что недоступно. Каждая смена записывается в журнал действий пространства.",
  "ws.more": "Показать ещё",
  "ws.planOf": "Тариф пространства {name}",
  "ws.planSaved": "Тариф {name}: {plan}",
};
