// The virtlint extension: starts `virtlint lsp` over stdio and lets the server decide which XML
// documents are libvirt domains. All checking happens in the server.
import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
  TransportKind,
} from "vscode-languageclient/node";

const SECTION = "virtlint";
let client: LanguageClient | undefined;
let output: vscode.LogOutputChannel;
let warnedAboutCaps = false;

interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { path: string };
    resolveEnvironment(env: { path: string }): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
  };
}

/** The server command: the setting, else the Python extension's interpreter, else `virtlint` on PATH. */
async function serverCommand(): Promise<{ command: string; args: string[]; origin: string }> {
  const configured = vscode.workspace.getConfiguration(SECTION).get<string[]>("server.command", []);
  if (configured.length > 0) {
    return { command: configured[0], args: configured.slice(1), origin: "the virtlint.server.command setting" };
  }
  const python = vscode.extensions.getExtension<PythonExtensionApi>("ms-python.python");
  if (python) {
    try {
      const api = python.isActive ? python.exports : await python.activate();
      const environment = api.environments?.getActiveEnvironmentPath();
      const resolved = environment ? await api.environments?.resolveEnvironment(environment) : undefined;
      const executable = resolved?.executable.uri?.fsPath;
      if (executable) {
        return { command: executable, args: ["-m", "virtlint", "lsp"], origin: `the Python interpreter ${executable}` };
      }
    } catch (error) {
      output.appendLine(`virtlint: could not ask the Python extension for its interpreter: ${error}`);
    }
  }
  return { command: "virtlint", args: ["lsp"], origin: "virtlint on the PATH" };
}

async function openSettings(): Promise<void> {
  await vscode.commands.executeCommand("workbench.action.openSettings", "virtlint");
}

async function start(context: vscode.ExtensionContext): Promise<void> {
  const configuration = vscode.workspace.getConfiguration(SECTION);
  if (!configuration.get<boolean>("enable", true)) {
    output.appendLine("virtlint is disabled (virtlint.enable).");
    return;
  }
  const { command, args, origin } = await serverCommand();
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
  client = new LanguageClient(SECTION, "virtlint", serverOptions, clientOptions);
  try {
    await client.start();
  } catch (error) {
    client = undefined;
    const message =
      `virtlint: the language server could not start with ${command} ${args.join(" ")} (${origin}): ${error}. ` +
      "Install it with `pip install virtlint`, select the Python interpreter that has it, " +
      "or set virtlint.server.command.";
    output.appendLine(message);
    const choice = await vscode.window.showErrorMessage(message, "Open Settings", "Show Output");
    if (choice === "Open Settings") {
      await openSettings();
    } else if (choice === "Show Output") {
      output.show();
    }
    return;
  }
  await warnWithoutCaps();
}

/** Say once how to configure capabilities when neither the setting nor a virtlint.toml provides them. */
async function warnWithoutCaps(): Promise<void> {
  if (warnedAboutCaps) {
    return;
  }
  const caps = vscode.workspace.getConfiguration(SECTION).get<string[]>("caps", []);
  if (caps.length > 0) {
    return;
  }
  const configs = await vscode.workspace.findFiles("**/{virtlint.toml,.virtlint.toml}", "**/node_modules/**", 1);
  if (configs.length > 0) {
    return;
  }
  warnedAboutCaps = true;
  const choice = await vscode.window.showInformationMessage(
    "virtlint: no host capabilities configured, so domain XML is not checked. Set virtlint.caps to the output " +
      "of `virsh domcapabilities`, or add a virtlint.toml with caps = [...].",
    "Open Settings",
  );
  if (choice === "Open Settings") {
    await openSettings();
  }
}

async function restart(context: vscode.ExtensionContext): Promise<void> {
  if (client) {
    const old = client;
    client = undefined;
    if (old.state === State.Running) {
      await old.stop();
    }
  }
  await start(context);
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel("virtlint", { log: true });
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand("virtlint.restartServer", () => restart(context)),
    vscode.commands.registerCommand("virtlint.showOutput", () => output.show()),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration(`${SECTION}.server.command`) || event.affectsConfiguration(`${SECTION}.enable`)) {
        await restart(context);
      }
    }),
  );
  await start(context);
}

export async function deactivate(): Promise<void> {
  if (client && client.state === State.Running) {
    await client.stop();
  }
}
