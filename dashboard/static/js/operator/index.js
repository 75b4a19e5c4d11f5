// The operator's pages: cameras, one camera (zones, thresholds, replay, versions), a new camera.
import { addView } from "../router.js";
import { mountCamera } from "./camera.js";
import { mountCameraList, mountNewCamera } from "./cameras.js";
import "./strings.js";

const ROLES = ["operator", "admin"];

addView({
  name: "operator-cameras",
  pattern: /^#\/operator\/?$/,
  hash: "#/operator",
  roles: ROLES,
  navKey: "operator.nav",
  homeFor: ["operator"],
  mount: (container) => mountCameraList(container),
});
addView({
  name: "operator-new-camera",
  pattern: /^#\/operator\/cameras\/new$/,
  roles: ROLES,
  mount: (container) => mountNewCamera(container),
});
addView({
  name: "operator-camera",
  pattern: /^#\/operator\/cameras\/([^/]+)$/,
  roles: ROLES,
  mount: (container, match) => mountCamera(container, match),
});
