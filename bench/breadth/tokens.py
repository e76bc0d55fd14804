"""Fake credentials in the documented formats of each provider, and their look-alikes.

Every token here is random text shaped after the provider's published format (the
source is named with each family); none is or was a real credential. Imported by
generate.py; `python3 -m` it alone to print one of each for rule examples.
"""

import base64
import hashlib
import random
import string

A = string.ascii_letters + string.digits
U = string.ascii_uppercase + string.digits
HEX = "0123456789abcdef"
B64 = string.ascii_letters + string.digits + "+/"
URLB64 = string.ascii_letters + string.digits + "-_"


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def s(self, n, alphabet=A):
        return "".join(self.r.choice(alphabet) for _ in range(n))

    def b64(self, nbytes):
        return base64.b64encode(bytes(self.r.randrange(256) for _ in range(nbytes))).decode()

    # --- (family, label, value) ---------------------------------------------------------
    # Slack: api.slack.com/authentication/token-types, /apps/rotation (xoxe),
    # /reference/manifests#config-tokens (xoxe.xoxp-1- access, xoxe-1- refresh).
    def slack(self):
        n = lambda k: self.s(k, string.digits)
        return self.r.choice([
            ("slack_bot", f"xoxb-{n(12)}-{n(13)}-{self.s(24)}"),
            ("slack_user", f"xoxp-{n(12)}-{n(12)}-{n(13)}-{self.s(32, HEX)}"),
            ("slack_app", f"xapp-1-A{self.s(10, U)}-{n(13)}-{self.s(64, HEX)}"),
            ("slack_workspace_app", f"xoxa-2-{n(12)}-{n(12)}-{n(13)}-{self.s(32, HEX)}"),
            ("slack_refresh", f"xoxe-1-{self.s(140, A)}"),
            ("slack_config_access", f"xoxe.xoxp-1-{self.s(150, A)}"),
            ("slack_rotating_bot", f"xoxe.xoxb-1-{self.s(140, A)}"),
            ("slack_webhook", f"https://hooks.slack.com/services/T{self.s(8, U)}/B{self.s(10, U)}/{self.s(24)}"),
            ("slack_workflow_webhook", f"https://hooks.slack.com/workflows/T{self.s(8, U)}/A{self.s(10, U)}/{n(18)}/{self.s(24)}"),
            ("slack_trigger_webhook", f"https://hooks.slack.com/triggers/T{self.s(8, U)}/{n(13)}/{self.s(32, HEX)}"),
        ]) + ("secret.slack_token",)

    # Stripe: docs.stripe.com/keys (sk_/rk_ live and test; whsec_ webhook signing secrets).
    def stripe(self):
        mode = self.r.choice(["live", "test"])
        kind = self.r.choice(["sk", "rk"])
        body = self.s(self.r.choice([24, 99]))
        if self.r.random() < 0.15:
            return ("stripe_webhook_secret", f"whsec_{self.s(32)}", "secret.stripe_key")
        return (f"stripe_{kind}_{mode}", f"{kind}_{mode}_{body}", "secret.stripe_key")

    # GitHub: github.blog 2021-04-05 (token formats), fine-grained PATs (github_pat_22_59).
    def github(self):
        p = self.r.choice(["ghp", "gho", "ghu", "ghs", "ghr", "pat"])
        if p == "pat":
            return ("github_fine_grained", f"github_pat_11{self.s(20, U)}_{self.s(59)}", "secret.github_token")
        return (f"github_{p}", f"{p}_{self.s(36)}", "secret.github_token")

    # GitLab: docs.gitlab.com/security/tokens/#token-prefixes
    def gitlab(self):
        p = self.r.choice(["glpat-", "gloas-", "gldt-", "glrt-", "glrtr-", "glcbt-", "glptt-", "glft-", "glimt-", "glagent-", "glsoat-", "glffct-", "GR1348941"])
        if p == "glptt-":
            body = self.s(40, HEX)
        elif p == "glcbt-":
            body = f"{self.r.randint(1, 99)}_{self.s(20, URLB64)}"
        elif p == "glpat-" and self.r.random() < 0.3:
            # routable tokens (GitLab 17.x): base64 payload, ".01.", crc
            body = f"{self.s(36, URLB64)}.01.{self.s(9, string.ascii_lowercase + string.digits)}"
        else:
            body = self.s(20, URLB64.replace("-", ""))
        return (f"gitlab_{p.strip('-').lower()}", p + body, "secret.gitlab_token")

    # Azure: learn.microsoft.com storage connection strings (AccountKey: 64 bytes base64)
    # and service SAS (sv=...&sig=<url-encoded HMAC base64>).
    def azure(self):
        if self.r.random() < 0.5:
            key = self.b64(64)
            acct = self.s(10, string.ascii_lowercase)
            return ("azure_storage_key", f"DefaultEndpointsProtocol=https;AccountName={acct};AccountKey={key};EndpointSuffix=core.windows.net", "secret.azure_storage_key")
        sig = self.b64(32).replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
        acct = self.s(10, string.ascii_lowercase)
        return ("azure_sas", f"https://{acct}.blob.core.windows.net/data/file.csv?sv=2022-11-02&ss=b&srt=sco&sp=rl&se=2026-12-31T00:00:00Z&st=2026-01-01T00:00:00Z&spr=https&sig={sig}", "secret.azure_sas_token")

    # GCP: cloud.google.com/iam/docs/keys-create-delete (JSON key file fields).
    def gcp(self):
        pid = f"proj-{self.s(6, string.ascii_lowercase + string.digits)}"
        kid = self.s(40, HEX)
        body = self.b64(48)
        return ("gcp_service_account", '{"type": "service_account", "project_id": "%s", "private_key_id": "%s", "private_key": "-----BEGIN PRIVATE KEY-----\\n%s\\n-----END PRIVATE KEY-----\\n", "client_email": "svc@%s.iam.gserviceaccount.com"}' % (pid, kid, body, pid), "secret.gcp_service_account")

    # Twilio: API key SID SK + 32 hex with its secret; auth token 32 hex (twilio.com/docs/iam/api-keys).
    def twilio(self):
        if self.r.random() < 0.5:
            return ("twilio_api_key", f"SK{self.s(32, HEX)}", "secret.twilio_key")
        return ("twilio_auth_token", f"TWILIO_AUTH_TOKEN={self.s(32, HEX)}", "secret.twilio_key")

    # SendGrid: SG. + 22 + . + 43 (docs.sendgrid.com, API keys).
    def sendgrid(self):
        return ("sendgrid", f"SG.{self.s(22, URLB64)}.{self.s(43, URLB64)}", "secret.sendgrid_key")

    # Mailgun: key- + 32 hex (private API key, older accounts); newer 32hex-8hex-8hex.
    def mailgun(self):
        if self.r.random() < 0.5:
            return ("mailgun_key", f"key-{self.s(32, HEX)}", "secret.mailgun_key")
        return ("mailgun_api_key", f"MAILGUN_API_KEY={self.s(32, HEX)}-{self.s(8, HEX)}-{self.s(8, HEX)}", "secret.mailgun_key")

    # OpenAI: sk- + 20 + T3BlbkFJ + 20 (legacy), sk-proj-/sk-svcacct-/sk-admin- (project era).
    def openai(self):
        k = self.r.choice(["legacy", "proj", "svcacct", "admin"])
        if k == "legacy":
            return ("openai_legacy", f"sk-{self.s(20)}T3BlbkFJ{self.s(20)}", "secret.openai_key")
        return (f"openai_{k}", f"sk-{k}-{self.s(74, URLB64)}T3BlbkFJ{self.s(74, URLB64)}", "secret.openai_key")

    # Anthropic: sk-ant-api03- + 93 base64url + AA (Console API keys), sk-ant-admin01-.
    def anthropic(self):
        k = self.r.choice(["api03", "admin01"])
        return (f"anthropic_{k}", f"sk-ant-{k}-{self.s(93, URLB64)}AA", "secret.anthropic_key")

    # Hugging Face: hf_ + 34 letters (user access tokens), api_org_ (org tokens).
    def huggingface(self):
        if self.r.random() < 0.8:
            return ("huggingface", f"hf_{self.s(34, string.ascii_letters)}", "secret.huggingface_token")
        return ("huggingface_org", f"api_org_{self.s(34, string.ascii_letters)}", "secret.huggingface_token")

    # npm: npm_ + 36 (github.blog 2021-09-23 npm token format).
    def npm(self):
        return ("npm", f"npm_{self.s(36)}", "secret.npm_token")

    # PyPI: macaroon, "pypi-" + base64 of a macaroon whose location is pypi.org.
    def pypi(self):
        loc = self.r.choice(["AgEIcHlwaS5vcmc", "AgENdGVzdC5weXBpLm9yZw"])
        return ("pypi", f"pypi-{loc}{self.s(self.r.randint(120, 180), URLB64)}", "secret.pypi_token")

    # Docker Hub: dckr_pat_ + 27 (personal access tokens), dckr_oat_ (organisation).
    def docker(self):
        p = self.r.choice(["pat", "oat"])
        return (f"dockerhub_{p}", f"dckr_{p}_{self.s(27, URLB64)}", "secret.dockerhub_token")

    # Datadog: API key 32 hex, application key 40 hex; named in config (DD_API_KEY ...).
    def datadog(self):
        name, n = self.r.choice([("DD_API_KEY", 32), ("DD_APP_KEY", 40), ("datadog_api_key", 32), ("DD-APPLICATION-KEY", 40)])
        sep = self.r.choice(["=", ": ", ' = "'])
        v = f"{name}{sep}{self.s(n, HEX)}" + ('"' if sep.endswith('"') else "")
        return ("datadog", v, "secret.datadog_key")

    # Shopify: shpat_/shpca_/shppa_/shpss_ + 32 hex (shopify.dev access tokens).
    def shopify(self):
        p = self.r.choice(["shpat", "shpca", "shppa", "shpss"])
        return (f"shopify_{p}", f"{p}_{self.s(32, HEX)}", "secret.shopify_token")

    # Atlassian: API tokens ATATT3xFfGF0 + body + "=" + 8 hex checksum; Bitbucket app
    # passwords ATBB + 32 (support.atlassian.com, token formats).
    def atlassian(self):
        if self.r.random() < 0.7:
            return ("atlassian_api", f"ATATT3xFfGF0{self.s(170, URLB64)}={self.s(8, HEX.upper())}", "secret.atlassian_token")
        return ("bitbucket_app_password", f"ATBB{self.s(32)}", "secret.atlassian_token")

    # Databricks: dapi + 32 hex, optionally -N (docs.databricks.com personal access tokens).
    def databricks(self):
        return ("databricks", f"dapi{self.s(32, HEX)}" + self.r.choice(["", "-2", "-3"]), "secret.databricks_token")

    # Snowflake: connector URLs (snowflake://user:pw@account/db) and JDBC with password=.
    def snowflake(self):
        acct = f"{self.s(7, string.ascii_lowercase)}-{self.s(7, string.ascii_lowercase)}"
        pw = self.s(14) + self.r.choice("!#%")
        if self.r.random() < 0.5:
            return ("snowflake_url", f"snowflake://etl_user:{pw}@{acct}/analytics/public?warehouse=wh", "secret.snowflake_credentials")
        return ("snowflake_jdbc", f"jdbc:snowflake://{acct}.snowflakecomputing.com/?user=etl_user&password={pw}&db=analytics", "secret.snowflake_credentials")

    # Private keys: RFC 7468 PEM, OpenSSH (PROTOCOL.key), PuTTY PPK v2/v3, OpenPGP
    # armour (RFC 4880), and a PEM key base64-wrapped as in a Kubernetes Secret.
    def private_key(self):
        k = self.r.choice(["pem_rsa", "pem_pkcs8", "pem_ec", "pem_encrypted", "openssh", "putty", "pgp", "base64_pem"])
        lines = lambda n: "\n".join(self.b64(48) for _ in range(n))
        if k == "pem_rsa":
            v = f"-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA{lines(3)}\n-----END RSA PRIVATE KEY-----"
        elif k == "pem_pkcs8":
            v = f"-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC{self.b64(48)}\\n-----END PRIVATE KEY-----\\n"
        elif k == "pem_ec":
            v = f"-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEI{lines(2)}\n-----END EC PRIVATE KEY-----"
        elif k == "pem_encrypted":
            v = f"-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHDBOBgkqhkiG9w0BBQ0w{lines(2)}\n-----END ENCRYPTED PRIVATE KEY-----"
        elif k == "openssh":
            v = f"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA{lines(3)}\n-----END OPENSSH PRIVATE KEY-----"
        elif k == "putty":
            ver = self.r.choice(["2", "3"])
            v = (f"PuTTY-User-Key-File-{ver}: ssh-ed25519\nEncryption: none\nComment: eddsa-key-20260101\n"
                 f"Public-Lines: 2\n{self.b64(48)}\n{self.b64(3)}\nPrivate-Lines: 1\n{self.b64(36)}\n"
                 f"Private-MAC: {self.s(64, HEX)}")
        elif k == "pgp":
            v = f"-----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: GnuPG v2\n\nlQOYBF{lines(3)}\n=ab12\n-----END PGP PRIVATE KEY BLOCK-----"
        else:
            pem = f"-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA{lines(2)}\n-----END RSA PRIVATE KEY-----\n"
            v = "tls.key: " + base64.b64encode(pem.encode()).decode()
        return (f"private_key_{k}", v, "secret.private_key")

    # Generic secrets in config syntax: the key names of real config files, values of
    # password-like and token-like shape.
    def password_value(self):
        w = self.r.choice(["Summer", "Blue", "Falcon", "river", "Orange", "tango"])
        return self.r.choice([
            self.s(self.r.randint(12, 24), A + "!#%&*-_"),
            f"{w}{self.r.randint(10, 9999)}{self.r.choice('!#$%&*')}{self.s(4)}",
            self.s(32, HEX) + self.s(4, string.ascii_uppercase),
            self.b64(24),
        ])

    def config_secret(self):
        v = self.password_value()
        k = self.r.choice(["yaml", "json", "env", "ini", "properties", "gradle", "shell", "toml", "xml"])
        key = self.r.choice(["password", "db_password", "DB_PASSWORD", "secret", "client_secret", "api_key",
                             "SERVICE_TOKEN", "auth_token", "passwd", "smtp_pass", "REDIS_PASSWORD", "signing_key",
                             "encryption_key", "private_token", "access_token", "admin_pwd"])
        if k == "yaml":
            t = f"{key}: {v}" if self.r.random() < 0.5 else f'  {key}: "{v}"'
        elif k == "json":
            t = f'{{"{key}": "{v}", "host": "db.internal"}}'
        elif k == "env":
            t = f"{key.upper()}={v}"
        elif k == "ini":
            t = f"{key} = {v}"
        elif k == "properties":
            t = f"spring.datasource.{key.lower().replace('_', '-')}={v}"
        elif k == "gradle":
            t = self.r.choice([f'storePassword "{v}"', f"signing.password={v}", f'keyPassword = "{v}"'])
        elif k == "shell":
            t = f"export {key.upper()}='{v}'"
        elif k == "toml":
            t = f'{key} = "{v}"'
        else:
            t = f"<password>{v}</password>"
        label = "secret.password" if any(w in key.lower() for w in ("pass", "pwd")) else "secret.generic_api_key"
        if k in ("gradle", "xml"):
            label = "secret.password"
        return (f"config_{k}", t, label)


def negatives(g):
    """Values a secret rule must not report: placeholders, references, public material,
    digests and ids under their usual names, truncated or misspelt prefixes."""
    r = g.r
    h = lambda n: g.s(n, HEX)
    return [
        ("placeholder", "xoxb-your-token-here"),
        ("placeholder", "SLACK_TOKEN=xoxb-xxxxxxxxxxxx-xxxxxxxxxxxx"),
        ("placeholder", "sk-proj-" + "x" * 48),
        ("placeholder", "OPENAI_API_KEY=sk-...your-key"),
        ("placeholder", "ANTHROPIC_API_KEY=<your-api-key>"),
        ("placeholder", "hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
        ("placeholder", "npm_" + "X" * 36),
        ("placeholder", "password: changeme"),
        ("placeholder", "password: ${DB_PASSWORD}"),
        ("placeholder", "DB_PASSWORD=<password>"),
        ("placeholder", 'api_key: "YOUR_API_KEY"'),
        ("placeholder", "secret = {{ vault_secret }}"),
        ("placeholder", "export TOKEN=$GITHUB_TOKEN"),
        ("placeholder", "password=%(db_password)s"),
        ("placeholder", "client_secret: ********"),
        ("placeholder", "AccountKey=<storage-account-key>"),
        ("reference", "password_file: /run/secrets/db_password"),
        ("reference", "api_key: ${env:API_KEY}"),
        ("reference", 'token: os.environ["API_TOKEN"]'),
        ("reference", "password: process.env.DB_PASSWORD"),
        ("not_secret", "password_min_length: 12"),
        ("not_secret", "password_policy: strong"),
        ("not_secret", "token_count: 541"),
        ("not_secret", "secret: true"),
        ("not_secret", "api_key: null"),
        ("not_secret", "max_tokens = 4096"),
        ("not_secret", "password_reset_url=https://example.com/reset"),
        ("not_secret", "token_type: bearer"),
        ("not_secret", f"commit={h(40)}"),
        ("not_secret", f"sha256: {h(64)}"),
        ("not_secret", f"etag: \"{h(32)}\""),
        ("not_secret", f"request_id={h(8)}-{h(4)}-{h(4)}-{h(4)}-{h(12)}"),
        ("not_secret", f"SKU-{g.s(6, U)}"),
        ("not_secret", f"skip {h(32)} rows"),
        ("not_secret", f"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{g.s(43, B64)} user@host"),
        ("not_secret", f"-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKC{g.b64(48)}\n-----END PUBLIC KEY-----"),
        ("not_secret", f"-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0{g.b64(48)}\n-----END CERTIFICATE-----"),
        ("not_secret", f"-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBF{g.b64(48)}\n-----END PGP PUBLIC KEY BLOCK-----"),
        ("not_secret", "tls.crt: " + base64.b64encode(b"-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ\n").decode()),
        ("not_secret", f"pk_live_{g.s(24)}"),
        ("not_secret", f"pk_test_{g.s(24)}"),
        ("not_secret", f"AC{h(32)}"),
        ("truncated", f"ghp_{g.s(20)}"),
        ("truncated", f"glpat-{g.s(8)}"),
        ("truncated", f"dapi{h(16)}"),
        ("truncated", f"shpat_{h(16)}"),
        ("truncated", f"SG.{g.s(10, URLB64)}"),
        ("truncated", f"npm_{g.s(20)}"),
        ("misspelt", f"xyz_sk-{g.s(48)}"),
        ("not_secret", f"https://hooks.slack.com/"),
        ("not_secret", f"The sk-ant-api03 prefix marks Anthropic keys"),
        ("not_secret", f"hf_hub_download(repo_id=\"bert-base-uncased\")"),
        ("not_secret", "huggingface_hub.snapshot_download(cache_dir=/data/hf_cache)"),
        ("not_secret", f"snowflake://etl_user@{g.s(7, string.ascii_lowercase)}/analytics?authenticator=externalbrowser"),
        ("not_secret", f"build key-{g.s(6, string.ascii_lowercase)} finished"),
        ("not_secret", f"sv=2022-11-02&ss=b&srt=sco&sp=rl"),
    ]


if __name__ == "__main__":
    g = Gen(1)
    for name in ["slack", "stripe", "github", "gitlab", "azure", "gcp", "twilio", "sendgrid", "mailgun", "openai",
                 "anthropic", "huggingface", "npm", "pypi", "docker", "datadog", "shopify", "atlassian", "databricks",
                 "snowflake", "private_key", "config_secret"]:
        for _ in range(8):
            print(repr(getattr(g, name)()))
