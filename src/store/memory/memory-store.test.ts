import { storeConformance } from "../conformance.ts";
import { MemoryStore } from "./memory-store.ts";

storeConformance("memory", async () => new MemoryStore());
