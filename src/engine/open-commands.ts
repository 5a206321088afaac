/**
 * The commands in flight, rebuilt from the state: what `command.issued` recorded of each, with the
 * parts it leaves out put back — the step's tasks (from the playbook), `ctx` as it was when the
 * command was issued, and the step results the command carries (as they are now: a result
 * completed since is visible, as it would be to a command issued now). This is how an execution
 * interrupted with commands in flight continues when no command row holds them (exclusive mode
 * writes none; see the orchestrator's `resume`).
 */
import type { CommandId } from "../kernel/index.ts";
import type { Command } from "../protocol/index.ts";
import type { ExecutionState } from "./state.ts";
import { stepsFor } from "./steps-for.ts";

export function openCommands(state: ExecutionState, inlineResultLimit: number): Command[] {
  const out: Command[] = [];
  for (const id of state.inFlight.keys()) {
    const command = openCommand(state, id, inlineResultLimit);
    if (command) out.push(command);
  }
  return out;
}

/** One command in flight, rebuilt (see `openCommands`); undefined when it is not in flight. */
function openCommand(
  state: ExecutionState,
  commandId: CommandId,
  inlineResultLimit: number,
): Command | undefined {
  const f = state.inFlight.get(commandId);
  const step = f ? state.graph.steps.get(f.issued.step) : undefined;
  if (!f || !step) return undefined;
  return {
    ...f.issued,
    tasks: step.tasks,
    ctx: f.ctx,
    steps: stepsFor(state, step, inlineResultLimit),
  };
}
