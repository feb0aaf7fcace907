import { test } from "@playwright/test";
import { owner, signInAs } from "./helpers";
test("shots", async ({ page }) => {
  await page.setViewportSize({ width: 1400, height: 1000 });
  await signInAs(page, owner);
  for (const [p, n] of [["/campaigns/studio", "email"], ["/campaigns/studio/post", "post"], ["/campaigns/studio/library", "library"], ["/campaigns/studio/authors", "authors"], ["/campaigns/studio/research", "research"]]) {
    await page.goto(p);
    await page.waitForTimeout(800);
    await page.screenshot({ path: `/tmp/shots/${n}.png`, fullPage: true });
  }
  await page.goto("/campaigns/studio/library");
  const links = page.getByTestId("library-row").locator("a");
  for (let i = 0; i < Math.min(await links.count(), 3); i++) {
    await page.goto("/campaigns/studio/library");
    await page.getByTestId("library-row").locator("a").nth(i).click();
    await page.waitForTimeout(1000);
    await page.screenshot({ path: `/tmp/shots/piece${i}.png`, fullPage: true });
  }
});
