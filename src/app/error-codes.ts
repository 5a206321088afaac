import type { ErrorCodeDoc } from "../kernel/index.ts";

export const ERROR_CODES: ErrorCodeDoc[] = [
  {
    code: "NOETL_E_CREDENTIAL_NAME",
    summary: "A credential name uses characters other than letters, digits, _ . -.",
  },
  { code: "NOETL_E_CREDENTIAL_NOT_FOUND", summary: "No stored credential has that name." },
  { code: "NOETL_E_CREDENTIAL_CORRUPT", summary: "A stored credential is not in a known encrypted format." },
  {
    code: "NOETL_E_CREDENTIAL_KEY",
    summary: "Credentials cannot be decrypted: the secret key differs from the one they were stored with.",
  },
  {
    code: "NOETL_E_CONFIG_FILE",
    summary:
      "The CLI contexts file (~/.noetl/config.yaml, or $NOETL_HOME/config.yaml) cannot be read, is not YAML, or is not a contexts document.",
  },
];
