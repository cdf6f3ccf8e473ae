"""web_invite - `catchball-web invite`: the join link as a PNG QR code

The real catchball-web; the PNG read back by zbarimg (zbar-tools, which
.ci/deps.sh installs), so the check is that a scanner gets the very link
printed, not that some PNG exists. Checked: NODE.png by default, in the
current directory, and --png FILE; mode 0600 whatever the umask, also
over a file that was there with a looser mode (the link is a secret);
--url sets the link's base; the link of a serving gateway's DIR/url
otherwise; a PNG that cannot be written fails the invite (exit 1) and
leaves no usable token behind.

Usage: web_invite.py CATCHBALL_WEB
"""
import os
import shutil
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, finish  # noqa: E402

WEB = os.path.abspath(sys.argv[1])
TMP = tempfile.mkdtemp(prefix="catchball-web-invite.")
check = Checks()
GW = os.path.join(TMP, "gw")


def invite(node, *args):
    """catchball-web invite NODE --role team ARGS, in TMP, with a umask
    that would leave new files readable by all."""
    return subprocess.run([WEB, "invite", node, "--role", "team", "--dir", GW] + list(args),
                          capture_output=True, text=True, timeout=30, cwd=TMP,
                          preexec_fn=lambda: os.umask(0o022))


def decoded(png):
    """What a scanner reads in png: zbarimg's text, or None."""
    out = subprocess.run(["zbarimg", "--raw", "-q", png], capture_output=True, text=True,
                         timeout=30)
    return out.stdout.strip() if out.returncode == 0 else None


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def invites():
    d = os.path.join(GW, "invites")
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def main():
    if not check(shutil.which("zbarimg"), "zbarimg is there (sh .ci/deps.sh installs it)"):
        return

    # NODE.png, next to where the command runs.
    out = invite("team-a")
    check.eq(out.returncode, 0, "invite team-a")
    link = out.stdout.strip()
    check(link.startswith("http://127.0.0.1:8080/join?token="), "the default link", link)
    png = os.path.join(TMP, "team-a.png")
    check(os.path.exists(png), "team-a.png written", os.listdir(TMP))
    check.eq(decoded(png), link, "team-a.png scans as the link printed")
    check.eq(oct(mode(png)), oct(0o600), "team-a.png is 0600 under umask 022")
    check("team-a.png" in out.stderr and "0600" in out.stderr, "stderr names the PNG",
          out.stderr)

    # --png FILE, over a file that was there, readable by all; --url.
    other = os.path.join(TMP, "slide.png")
    with open(other, "w") as f:
        f.write("an old file\n")
    os.chmod(other, 0o644)
    out = invite("team-b", "--png", other, "--url", "https://okr.example:8443")
    check.eq(out.returncode, 0, "invite team-b --png slide.png --url ...")
    link = out.stdout.strip()
    check(link.startswith("https://okr.example:8443/join?token="), "--url is the link's base",
          link)
    check.eq(decoded(other), link, "slide.png scans as the link printed")
    check.eq(oct(mode(other)), oct(0o600), "slide.png replaced, 0600")
    check(not any(n.startswith("slide.png.") for n in os.listdir(TMP)),
          "no temporary file left", os.listdir(TMP))

    # The serving gateway's address, as it keeps it in DIR/url.
    with open(os.path.join(GW, "url"), "w") as f:
        f.write("https://board.example:9443\n")
    out = invite("team-c")
    link = out.stdout.strip()
    check(link.startswith("https://board.example:9443/join?token="),
          "the link of the serving gateway's DIR/url", link)
    check.eq(decoded(os.path.join(TMP, "team-c.png")), link, "team-c.png scans as its link")

    # A PNG that cannot be written: no invitation at all.
    before = invites()
    out = invite("team-d", "--png", os.path.join(TMP, "no-such-dir", "x.png"))
    check.eq(out.returncode, 1, "an unwritable --png fails the invite")
    check("no-such-dir" in out.stderr and out.stdout == "", "it says why, prints no link",
          out.stderr)
    check.eq(invites(), before, "and leaves no token behind")


finish(main, check, TMP)
