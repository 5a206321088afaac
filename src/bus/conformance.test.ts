import { busConformance } from "./conformance.ts";
import { LocalBus } from "./local/index.ts";

busConformance("local", async () => new LocalBus());
