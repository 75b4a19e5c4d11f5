// Signing in and out: the server keeps the session in an HttpOnly cookie.
import { api, ApiError } from "./api.js";

const byTestId = (testid) => document.querySelector(`[data-testid=${testid}]`);

// The signed-in user, or the sign-in form until someone signs in (then the page reloads).
export async function signedInUser() {
  try {
    return await api.me();
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) throw error;
  }
  showSignIn();
  return new Promise(() => {});
}

function showSignIn() {
  const form = byTestId("sign-in-form");
  const message = byTestId("sign-in-error");
  byTestId("sign-in").hidden = false;
  byTestId("sign-in-user").focus();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.hidden = true;
    try {
      await api.login(form.username.value, form.password.value);
      location.reload();
    } catch (error) {
      message.textContent = error.message;
      message.hidden = false;
    }
  });
}

export function showUser(user) {
  byTestId("who-name").textContent = `${user.display_name || user.username} · ${user.role.replaceAll("_", " ")}`;
  byTestId("who").hidden = false;
  byTestId("sign-out").addEventListener("click", async () => {
    await api.logout();
    location.assign("/");
  });
}
