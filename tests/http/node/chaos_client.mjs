// Mailpit's chaos calls of the real npm client against mailtrap: node chaos_client.mjs URL ACTION
// ACTION: "set" (Recipient fails with 550, always; Sender code 450, never), "reset" or "get".
// Prints the triggers the server answered, as JSON, on the last line.
import { MailpitClient } from "mailpit-api";

const mailpit = new MailpitClient(process.argv[2]);
const action = process.argv[3];
let triggers;
if (action === "set") {
  triggers = await mailpit.setChaosTriggers({
    Recipient: { ErrorCode: 550, Probability: 100 },
    Sender: { ErrorCode: 450, Probability: 0 },
  });
} else if (action === "reset") {
  triggers = await mailpit.setChaosTriggers();
} else {
  triggers = await mailpit.getChaosTriggers();
}
console.log(JSON.stringify(triggers));
