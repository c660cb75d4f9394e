import { createRouter } from "../../context";
import * as create from "./create";
import * as get from "./get";
import * as list from "./list";
import * as membersAdd from "./members-add";
import * as membersList from "./members-list";
import * as membersRemove from "./members-remove";
import * as membersUpdate from "./members-update";
import * as update from "./update";

export const teamRoutes = createRouter();
for (const op of [list, create, get, update, membersList, membersAdd, membersUpdate, membersRemove]) op.register(teamRoutes);
