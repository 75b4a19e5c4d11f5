// The event and incident workflow as the views need it (mirrors the store's; the API has the last word).

export const ACTIONS = ["acknowledge", "on-scene", "resolve", "false-alarm"];

// Which steps each status allows.
export const ALLOWED = {
  new: ACTIONS,
  acknowledged: ["on-scene", "resolve", "false-alarm"],
  on_scene: ["resolve", "false-alarm"],
  resolved: [],
  false_alarm: [],
};

// Closing one of these asks when, how and by whom the family was told (the API insists too).
export const FAMILY_NOTICE_TYPES = ["fall", "long_lie"];
