// The War Room (/war-room): every room where the team talks about work in
// flight (open incidents, and alerts with notes), most recent activity
// first; choosing one shows its notes as they are written, live, with the
// composer to add to them. The room chosen is kept in the URL (?room=).

import { useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";
import { Link, useSearchParams } from "react-router";
import { socKeys, useRooms, type Room } from "../api/soc";
import type { LiveMessage } from "../api/types";
import { hasPermission, useCurrentUser } from "../app/session";
import { useLive } from "../live/socket";
import { LevelBadge } from "../rules/LevelBadge";
import { AccessDenied } from "../ui/AccessDenied";
import { ErrorMessage } from "../ui/ErrorMessage";
import { CompactTime } from "../ui/time";
import { useDocumentTitle } from "../ui/useDocumentTitle";
import { NotesPanel, handleNoteMessage } from "./NotesPanel";
import "../incidents/soc.css";

const roomKey = (r: Pick<Room, "object_type" | "object_id">) => `${r.object_type}:${r.object_id}`;

export function WarRoomPage() {
  useDocumentTitle("War Room");
  const me = useCurrentUser();
  const [params, setParams] = useSearchParams();
  const queryClient = useQueryClient();
  const allowed = hasPermission(me, "incidents:read");
  const rooms = useRooms();
  // New rooms (a first note on an alert, a new incident) appear live.
  const onMessage = useCallback(
    (msg: LiveMessage) => {
      if (msg.channel !== "incidents") return;
      handleNoteMessage(queryClient, msg);
      void queryClient.invalidateQueries({ queryKey: socKeys.rooms });
    },
    [queryClient],
  );
  const live = useLive(["incidents"], "", allowed, onMessage);
  if (!allowed) {
    return (
      <section className="page" aria-labelledby="page-title">
        <header className="page-header">
          <h1 id="page-title">War Room</h1>
        </header>
        <AccessDenied area="the War Room" role={me.role} />
      </section>
    );
  }
  const list = rooms.data?.rooms ?? [];
  const chosenKey = params.get("room") ?? (list[0] ? roomKey(list[0]) : "");
  const [type, ...rest] = chosenKey.split(":");
  const objectId = rest.join(":");
  const chosen = list.find((r) => roomKey(r) === chosenKey);
  const objectType = type === "alert" || type === "incident" ? type : null;

  return (
    <section className="page page-wide" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title">War Room</h1>
        <p className="page-subtitle">Notes on open incidents and alerts, shared live with the team.</p>
      </header>
      {rooms.isError ? <ErrorMessage error={rooms.error} /> : null}
      <div className="warroom">
        <nav className="card room-list" aria-label="Rooms">
          {rooms.isPending ? (
            <p className="muted">Loading rooms…</p>
          ) : list.length === 0 ? (
            <p className="muted">No rooms yet: open incidents and alerts with notes appear here.</p>
          ) : (
            <ul className="plain-list">
              {list.map((r) => {
                const k = roomKey(r);
                return (
                  <li key={k}>
                    <button type="button" className={k === chosenKey ? "room room-active" : "room"} aria-current={k === chosenKey ? "true" : undefined} onClick={() => setParams({ room: k })}>
                      <span className="room-title">
                        <LevelBadge level={r.severity} /> {r.title}
                      </span>
                      <span className="muted room-meta">
                        {r.object_type === "incident" ? "Incident" : "Alert"} · {r.status} · {r.note_count} note{r.note_count === 1 ? "" : "s"}
                        {r.last_note_at ? (
                          <>
                            {" "}
                            · <CompactTime value={r.last_note_at} />
                          </>
                        ) : null}
                      </span>
                    </button>
                  </li>
                );
              })}
            </ul>
          )}
        </nav>
        <div className="room-body">
          {objectType && objectId ? (
            <>
              <p>
                <Link to={objectType === "incident" ? `/incidents/${encodeURIComponent(objectId)}` : `/alerts/${encodeURIComponent(objectId)}`}>
                  Open the {objectType} {chosen ? `“${chosen.title}”` : ""}
                </Link>
              </p>
              <NotesPanel key={chosenKey} type={objectType} id={objectId} title={chosen?.title ?? objectId} writable={hasPermission(me, "incidents:write")} liveStatus={live} />
            </>
          ) : rooms.isSuccess ? (
            <p className="muted">Choose a room.</p>
          ) : null}
        </div>
      </div>
    </section>
  );
}
