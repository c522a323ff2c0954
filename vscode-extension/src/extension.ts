// The virtlint extension: starts `virtlint lsp` over stdio and lets the server decide which XML
// documents are libvirt domains. All checking happens in the server.
import { execFile } from "child_process";
import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
  TransportKind,
} from "vscode-languageclient/node";

const SECTION = "virtlint";
const INSTALL_HINT =
  "Install virtlint into a Python environment (from a virtlint checkout: `pip install .`, or " +
  "`pip install virtlint-*.whl` from a built wheel), then select that interpreter in the Python extension, " +
  "or set virtlint.server.command.";

let client: VirtlintClient | undefined;
let output: vscode.LogOutputChannel;
let warnedAboutCaps = false;
/** Starts and stops run one after the other: a restart never overlaps another, so no server is leaked. */
let lifecycle: Promise<void> = Promise.resolve();

interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { path: string };
    resolveEnvironment(env: { path: string }): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
    onDidChangeActiveEnvironmentPath?: vscode.Event<unknown>;
  };
}

/** A client whose start-up failures are left to our one notification (the library would add a second toast). */
class VirtlintClient extends LanguageClient {
  quiet = true;

  error(message: string, data?: unknown, showNotification: boolean | "force" = true): void {
    super.error(message, data, this.quiet ? false : showNotification);
  }
}

interface ServerCommand {
  command: string;
  args: string[];
  origin: string;
}

/** Whether `command args... --version` runs and exits 0 within a few seconds. */
function runs(command: string, args: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(command, [...args, "--version"], { timeout: 15000 }, (error) => resolve(!error));
  });
}

async function pythonApi(): Promise<PythonExtensionApi | undefined> {
  const python = vscode.extensions.getExtension<PythonExtensionApi>("ms-python.python");
  if (!python) {
    return undefined;
  }
  try {
    return python.isActive ? python.exports : await python.activate();
  } catch (error) {
    output.appendLine(`virtlint: could not ask the Python extension for its interpreter: ${error}`);
    return undefined;
  }
}

/**
 * The server command, first that works: the virtlint.server.command setting, else the interpreter selected in
 * the Python extension if it has virtlint installed, else `virtlint` on the PATH. Undefined (with the reasons)
 * when none does.
 */
async function serverCommand(): Promise<{ found?: ServerCommand; tried: string[] }> {
  const tried: string[] = [];
  const configured = vscode.workspace.getConfiguration(SECTION).get<string[]>("server.command", []);
  if (configured.length > 0) {
    // the user's explicit choice: use it as given, and say so if it fails
    return { found: { command: configured[0], args: configured.slice(1), origin: "the virtlint.server.command setting" }, tried };
  }
  const api = await pythonApi();
  if (api?.environments) {
    try {
      const environment = api.environments.getActiveEnvironmentPath();
      const resolved = environment ? await api.environments.resolveEnvironment(environment) : undefined;
      const executable = resolved?.executable.uri?.fsPath;
      if (executable) {
        if (await runs(executable, ["-m", "virtlint"])) {
          return { found: { command: executable, args: ["-m", "virtlint", "lsp"], origin: `the Python interpreter ${executable}` }, tried };
        }
        tried.push(`the selected Python interpreter ${executable} does not have virtlint`);
      }
    } catch (error) {
      output.appendLine(`virtlint: could not resolve the Python interpreter: ${error}`);
    }
  }
  if (await runs("virtlint", [])) {
    return { found: { command: "virtlint", args: ["lsp"], origin: "virtlint on the PATH" }, tried };
  }
  tried.push("`virtlint` is not on the PATH");
  return { tried };
}

async function openSettings(): Promise<void> {
  await vscode.commands.executeCommand("workbench.action.openSettings", "virtlint");
}

/** The one notification for a server that cannot start: what was tried, and how to install. */
async function cannotStart(detail: string): Promise<void> {
  const message = `virtlint: the language server could not start: ${detail}. ${INSTALL_HINT}`;
  output.appendLine(message);
  const choice = await vscode.window.showErrorMessage(message, "Open Settings", "Show Output");
  if (choice === "Open Settings") {
    await openSettings();
  } else if (choice === "Show Output") {
    output.show();
  }
}

async function start(): Promise<void> {
  const configuration = vscode.workspace.getConfiguration(SECTION);
  if (!configuration.get<boolean>("enable", true)) {
    output.appendLine("virtlint is disabled (virtlint.enable).");
    return;
  }
  const { found, tried } = await serverCommand();
  if (!found) {
    await cannotStart(tried.join("; "));
    return;
  }
  const { command, args, origin } = found;
  output.appendLine(`Starting the virtlint language server: ${command} ${args.join(" ")} (${origin})`);
  const serverOptions: ServerOptions = { command, args, transport: TransportKind.stdio };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "xml" },
      { scheme: "untitled", language: "xml" },
    ],
    synchronize: { configurationSection: SECTION },
    initializationOptions: { caps: configuration.get<string[]>("caps", []) },
    outputChannel: output,
    traceOutputChannel: output,
  };
  const candidate = new VirtlintClient(SECTION, "virtlint", serverOptions, clientOptions);
  client = candidate;
  try {
    await candidate.start();
    candidate.quiet = false;  // from now on a crash of the running server is the library's to report
  } catch (error) {
    if (client === candidate) {
      client = undefined;
    }
    await candidate.dispose().catch(() => undefined);
    await cannotStart(`${command} ${args.join(" ")} (${origin}) failed: ${error}`);
    return;
  }
  await warnWithoutCaps();
}

async function stop(): Promise<void> {
  const old = client;
  client = undefined;
  if (old && old.state !== State.Stopped) {
    // a client still starting is stopped too, once it has started: never two servers
    await old.stop().catch((error) => output.appendLine(`virtlint: stopping the server: ${error}`));
  }
}

/** Queue a restart behind any start or stop still running. */
function restart(): Promise<void> {
  lifecycle = lifecycle.then(stop).then(start).catch((error) => output.appendLine(`virtlint: restart: ${error}`));
  return lifecycle;
}

/** Whether a virtlint.toml, .virtlint.toml or a pyproject.toml with [tool.virtlint] configures caps. */
async function configuredInFiles(): Promise<boolean> {
  const exclude = "**/{node_modules,.venv,.git}/**";
  if ((await vscode.workspace.findFiles("**/{virtlint.toml,.virtlint.toml}", exclude, 1)).length > 0) {
    return true;
  }
  for (const uri of await vscode.workspace.findFiles("**/pyproject.toml", exclude, 50)) {
    const text = Buffer.from(await vscode.workspace.fs.readFile(uri)).toString("utf8");
    if (/^\s*\[tool\.virtlint\]/m.test(text)) {
      return true;
    }
  }
  return false;
}

/** Say once how to configure capabilities when neither the setting nor a configuration file provides them. */
async function warnWithoutCaps(): Promise<void> {
  if (warnedAboutCaps) {
    return;
  }
  const caps = vscode.workspace.getConfiguration(SECTION).get<string[]>("caps", []);
  if (caps.length > 0 || (await configuredInFiles())) {
    return;
  }
  warnedAboutCaps = true;
  const choice = await vscode.window.showInformationMessage(
    "virtlint: no host capabilities configured, so domain XML is not checked. Set virtlint.caps to the output " +
      "of `virsh domcapabilities`, or add a virtlint.toml with caps = [...] (or [tool.virtlint] in pyproject.toml).",
    "Open Settings",
  );
  if (choice === "Open Settings") {
    await openSettings();
  }
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel("virtlint", { log: true });
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand("virtlint.restartServer", () => restart()),
    vscode.commands.registerCommand("virtlint.showOutput", () => output.show()),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration(`${SECTION}.server.command`) || event.affectsConfiguration(`${SECTION}.enable`)) {
        await restart();
      }
    }),
  );
  const api = await pythonApi();
  const onInterpreter = api?.environments?.onDidChangeActiveEnvironmentPath;
  if (onInterpreter) {
    // the server runs from the selected interpreter: follow it when the user picks another
    context.subscriptions.push(onInterpreter(() => {
      if (vscode.workspace.getConfiguration(SECTION).get<string[]>("server.command", []).length === 0) {
        void restart();
      }
    }));
  }
  lifecycle = lifecycle.then(start);
  await lifecycle;
}

export async function deactivate(): Promise<void> {
  await lifecycle.catch(() => undefined);
  await stop();
}
