// join.js - the join page: the link's token into the form, which the
// Join button posts. Joining is a POST so that fetching the link (a chat's
// preview, say) uses nothing up.
const token = new URLSearchParams(location.search).get("token") || "";
document.getElementById("token").value = token;
document.getElementById("join").focus();
