#!/usr/bin/env python3
"""Swagger UI in a real browser: Debian's headless Chromium opens /swagger-ui/ served by
ntm-api, authorizes with an access token, runs GET /api/v1/provinces from the page and
checks the answer the page shows (status 200, the provinces, the token sent); then uploads
a PDF to a registration's dossier through the page's file input (multipart/form-data) and
checks the 201 it shows. Saves target/swagger-ui.png.

Usage: swagger_ui.py BASE_URL TOKEN SCREENSHOT REGISTRATION_ID PDF_FILE. Needs the chromium and chromium-driver packages and
selenium (PyPI); tests/browser/run.sh installs them when missing.
"""
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

BASE, TOKEN = sys.argv[1], sys.argv[2]
SCREENSHOT = sys.argv[3] if len(sys.argv) > 3 else "target/swagger-ui.png"
REGISTRATION = sys.argv[4] if len(sys.argv) > 4 else None
PDF = sys.argv[5] if len(sys.argv) > 5 else None

options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--no-first-run", "--window-size=1280,1600"]:
    options.add_argument(flag)
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
wait = WebDriverWait(driver, 30)


def click(css):
    element = wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, css)))
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    element.click()
    return element


try:
    driver.get(f"{BASE}/swagger-ui/")
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".information-container .title")))
    title = driver.find_element(By.CSS_SELECTOR, ".information-container .title").text
    assert "ntm-api" in title, title

    # Authorize: paste the access token into the bearer scheme.
    click("button.authorize")
    field = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, ".modal-ux input")))
    field.send_keys(TOKEN)
    click(".modal-ux .auth-btn-wrapper button.authorize")
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".modal-ux button.btn-done")))
    click(".modal-ux button.btn-done")

    # GET /api/v1/provinces: open it, try it out, execute.
    click("#operations-units-list_provinces .opblock-summary")
    click("#operations-units-list_provinces button.try-out__btn")
    click("#operations-units-list_provinces button.execute")
    status_css = "#operations-units-list_provinces .live-responses-table tbody .response-col_status"
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, status_css), "200"))
    body = driver.find_element(
        By.CSS_SELECTOR, "#operations-units-list_provinces .live-responses-table tbody .response-col_description pre"
    ).text
    curl = driver.find_element(By.CSS_SELECTOR, "#operations-units-list_provinces .curl-command").text
    assert '"items"' in body and "Hà Tĩnh" in body and '"total"' in body, body[:500]
    assert "Authorization: Bearer" in curl, curl

    if REGISTRATION:
        # POST /api/v1/registrations/{id}/documents: the form with a file chooser.
        op = "#operations-documents-upload_registration_document"
        click(f"{op} .opblock-summary")
        click(f"{op} button.try-out__btn")
        id_input = wait.until(ec.visibility_of_element_located(
            (By.CSS_SELECTOR, f'{op} tr[data-param-name="id"] input')))
        id_input.clear()
        id_input.send_keys(REGISTRATION)
        file_input = wait.until(ec.presence_of_element_located(
            (By.CSS_SELECTOR, f'{op} input[type="file"]')))
        file_input.send_keys(PDF)
        click(f"{op} button.execute")
        status_css = f"{op} .live-responses-table tbody .response-col_status"
        wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, status_css), "201"))
        body = driver.find_element(
            By.CSS_SELECTOR, f"{op} .live-responses-table tbody .response-col_description pre"
        ).text
        assert '"media_type": "application/pdf"' in body and '"parent": "registration"' in body, body[:800]
        curl = driver.find_element(By.CSS_SELECTOR, f"{op} .curl-command").text
        assert "multipart/form-data" in curl, curl
        print("PASS: Swagger UI uploaded a PDF to a registration's dossier (201, application/pdf)")
    time.sleep(0.3)
    driver.save_screenshot(SCREENSHOT)
    print(f"PASS: Swagger UI authorized and ran GET /api/v1/provinces (200, provinces shown); screenshot {SCREENSHOT}")
except Exception:
    driver.save_screenshot(SCREENSHOT)
    print(f"FAIL: see the screenshot {SCREENSHOT}", file=sys.stderr)
    raise
finally:
    driver.quit()
