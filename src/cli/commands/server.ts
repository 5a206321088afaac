/** `noetl server start|stop`, `noetl worker start`, `noetl db init` (distributed mode). */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { loadDistributed, readConfig } from "../../app/index.ts";
import { NoetlError } from "../../kernel/index.ts";
import { EXIT_INVALID, EXIT_OK, exitWithError } from "../exit.ts";
import { portNumber, wholeNumber } from "../whole-number.ts";

const distributed = loadDistributed;

export function register(program: Command): void {
  const server = program.command("server").description("run the NoETL server (PostgreSQL + NATS JetStream)");
  server
    .command("start")
    .description("start the server in the foreground (API, orchestrator, reaper)")
    .option("--host <host>", "address to bind (non-loopback needs NOETL_API_TOKEN)", "127.0.0.1")
    .option("--port <port>", "port", "8082")
    .action(async (opts: { host: string; port: string }) => {
      const config = readConfig();
      let port: number;
      try {
        port = portNumber("--port", opts.port);
      } catch (error) {
        exitWithError(error, EXIT_INVALID);
      }
      try {
        const { startDistributedServer } = await distributed();
        const running = await startDistributedServer({ config, host: opts.host, port });
        mkdirSync(config.home, { recursive: true });
        const pidFile = join(config.home, "server.pid");
        writeFileSync(pidFile, String(process.pid));
        process.stderr.write(`noetl server listening on ${running.url} (API docs: ${running.url}/docs)\n`);
        const stop = async () => {
          process.stderr.write("stopping server…\n");
          await running.close();
          rmSync(pidFile, { force: true });
          process.exit(EXIT_OK);
        };
        process.once("SIGTERM", stop);
        process.once("SIGINT", stop);
      } catch (error) {
        exitWithError(error);
      }
    });
  server
    .command("stop")
    .description("stop a server started from this NOETL_HOME")
    .action(() => {
      const pidFile = join(readConfig().home, "server.pid");
      if (!existsSync(pidFile))
        exitWithError(
          new NoetlError("NOETL_E_CLI_ARGUMENT", "no running server (no server.pid in NOETL_HOME)"),
        );
      const pid = Number(readFileSync(pidFile, "utf8"));
      try {
        process.kill(pid, "SIGTERM");
        process.stderr.write(`sent SIGTERM to server ${pid}\n`);
      } catch {
        rmSync(pidFile, { force: true });
        exitWithError(new NoetlError("NOETL_E_CLI_ARGUMENT", `server ${pid} is not running`));
      }
    });

  program
    .command("worker")
    .description("run workers")
    .command("start")
    .description("start a worker in the foreground: pulls commands from NATS, talks to the server over HTTP")
    .option("--pool <name>", "worker pool (NATS subject noetl.commands.<pool>)", "default")
    .option("--concurrency <n>", "commands run at once", "8")
    .option(
      "--requests <n>",
      "requests for work kept waiting on the server, each in a slot (default: half the concurrency, at most 4; 0: none)",
    )
    .option("--server <url>", "server URL (default NOETL_SERVER_URL or http://127.0.0.1:8082)")
    .action(async (opts: { pool: string; concurrency: string; requests?: string; server?: string }) => {
      const config = readConfig();
      let concurrency: number;
      let requests: number | undefined;
      try {
        concurrency = wholeNumber("--concurrency", opts.concurrency, 1);
        requests = opts.requests === undefined ? undefined : wholeNumber("--requests", opts.requests, 0);
      } catch (error) {
        exitWithError(error, EXIT_INVALID);
      }
      try {
        const { startDistributedWorker } = await distributed();
        const running = await startDistributedWorker({
          config,
          pool: opts.pool,
          concurrency,
          ...(requests !== undefined ? { requests } : {}),
          serverUrl: opts.server ?? config.remote ?? config.serverUrl,
        });
        process.stderr.write(`noetl worker ${running.worker.workerId} on pool '${opts.pool}'\n`);
        let stopping = false;
        const stop = async () => {
          if (stopping) process.exit(1); // second signal: leave now (leases expire, commands are re-dispatched)
          stopping = true;
          process.stderr.write("finishing running commands… (signal again to stop at once)\n");
          await running.stop(true);
          process.exit(EXIT_OK);
        };
        process.on("SIGTERM", stop);
        process.on("SIGINT", stop);
      } catch (error) {
        exitWithError(error);
      }
    });

  program
    .command("db")
    .description("database administration")
    .command("init")
    .description("create or migrate the PostgreSQL schema (noetl)")
    .action(async () => {
      try {
        await (await distributed()).initDatabase(readConfig());
        process.stderr.write("database schema is up to date\n");
      } catch (error) {
        exitWithError(error);
      }
    });
}
